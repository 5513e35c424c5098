//! Prints the plaintext reference logits of test images of an MNIST-layout directory, one line
//! per image (`INDEX LABEL: l0 l1 …`), to check decrypted results against (RELIABILITY.md's load
//! test compares them with `she decrypt`'s `logits:` lines).
//!
//! ```sh
//! cargo run --release -p she-nn --example reference_logits -- MODEL MNIST_DIR FIRST COUNT
//! ```

use she_nn::data::mnist::{load_mnist, Split};
use she_nn::model::Model;
use she_nn::reference;
use std::path::PathBuf;

fn main() {
    if let Err(e) = run() {
        eprintln!("reference_logits: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model, data, first, count] = args.as_slice() else {
        return Err("usage: reference_logits MODEL MNIST_DIR FIRST COUNT".into());
    };
    let model = Model::load(&PathBuf::from(model)).map_err(|e| format!("{model}: {e}"))?;
    let test = load_mnist(&PathBuf::from(data), Split::Test).map_err(|e| e.to_string())?;
    let number = |s: &str| s.parse::<usize>().map_err(|e| format!("{s}: {e}"));
    let (first, count) = (number(first)?, number(count)?);
    for i in first..first + count {
        let (image, label) = test.get(i).ok_or(format!("no test image {i}"))?;
        let logits = reference::logits(&model, image).map_err(|e| e.to_string())?;
        let text: Vec<String> = logits.iter().map(i64::to_string).collect();
        println!("{i} {label}: {}", text.join(" "));
    }
    Ok(())
}
