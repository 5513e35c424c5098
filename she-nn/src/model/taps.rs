//! The inputs each output element of a linear or pooling layer reads: its *taps*.
//!
//! A tap is `(input index, integer weight)` in CHW order. Zero-padding positions and zero
//! weights are left out (they contribute nothing), so the encrypted engines never touch them.

use super::{Conv2d, Dense, Pool2d, Shape};

/// Fills `taps` with the `(input index, weight)` pairs of output element `out_index` of `conv`
/// (input shape `input`, output shape `output`).
pub fn conv_taps(
    conv: &Conv2d,
    input: Shape,
    output: Shape,
    out_index: usize,
    taps: &mut Vec<(usize, i64)>,
) {
    taps.clear();
    let plane = output.height * output.width;
    let (o, i, j) = (
        out_index / plane,
        (out_index % plane) / output.width,
        out_index % output.width,
    );
    for c in 0..conv.in_channels {
        for u in 0..conv.kernel {
            let Some(row) = (i * conv.stride + u).checked_sub(conv.padding) else {
                continue;
            };
            if row >= input.height {
                continue;
            }
            for v in 0..conv.kernel {
                let Some(col) = (j * conv.stride + v).checked_sub(conv.padding) else {
                    continue;
                };
                let w = conv.weight(o, c, u, v).value();
                if col < input.width && w != 0 {
                    taps.push(((c * input.height + row) * input.width + col, w));
                }
            }
        }
    }
}

/// Fills `taps` with the nonzero weights of output `out_index` of `dense`.
pub fn dense_taps(dense: &Dense, out_index: usize, taps: &mut Vec<(usize, i64)>) {
    taps.clear();
    taps.extend(
        dense
            .row(out_index)
            .iter()
            .enumerate()
            .filter(|(_, w)| !w.is_zero())
            .map(|(i, w)| (i, w.value())),
    );
}

/// Fills `taps` with the input indices of pooling window `out_index` (no padding).
pub fn pool_taps(
    pool: Pool2d,
    input: Shape,
    output: Shape,
    out_index: usize,
    taps: &mut Vec<usize>,
) {
    taps.clear();
    let plane = output.height * output.width;
    let (c, i, j) = (
        out_index / plane,
        (out_index % plane) / output.width,
        out_index % output.width,
    );
    for u in 0..pool.size {
        for v in 0..pool.size {
            let (row, col) = (i * pool.stride + u, j * pool.stride + v);
            taps.push((c * input.height + row) * input.width + col);
        }
    }
}
