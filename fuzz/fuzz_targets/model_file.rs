//! Model files from untrusted bytes: `read_model` returns a typed error or a valid model — never
//! a panic or an unbounded allocation — and every accepted file re-encodes to the same bytes
//! (the format is canonical). Accepted models also get their worst-case bounds.
#![no_main]
use libfuzzer_sys::fuzz_target;
use she_nn::model::format::{read_model, write_model};

fuzz_target!(|data: &[u8]| {
    let Ok(model) = read_model(&mut &data[..]) else {
        return;
    };
    let mut again = Vec::new();
    write_model(&model, &mut again).expect("an accepted model writes");
    assert_eq!(&again[..], data, "the model format is canonical");
    let _ = she_nn::bounds::layer_bounds(&model);
});
