//! `she decrypt`: decrypts an encrypted result with the client key and prints the class (the
//! index of the largest logit, the first one on ties) and the logits.
//!
//! ```text
//! class: 7
//! logits: -12 3 0 5 -8 1 -4 41 2 9
//! ```

use super::output_error;
use crate::ciphertexts::EncryptedLogits;
use crate::client::ClientKey;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `she decrypt`.
#[derive(Debug, Args)]
pub struct DecryptArgs {
    /// The client key (from `she keygen`).
    #[arg(long, value_name = "FILE")]
    pub client_key: PathBuf,
    /// The encrypted result (from `she infer`).
    #[arg(long = "in", value_name = "FILE")]
    pub input: PathBuf,
}

/// The index of the largest value, the first one on ties; `None` for no values.
fn argmax(values: &[i64]) -> Option<usize> {
    values
        .iter()
        .enumerate()
        .fold(None, |best: Option<(usize, i64)>, (i, &v)| match best {
            Some((_, b)) if b >= v => best,
            _ => Some((i, v)),
        })
        .map(|(i, _)| i)
}

/// Runs `she decrypt`.
pub fn run(args: &DecryptArgs, out: &mut dyn Write) -> Result<(), String> {
    let key = ClientKey::load(&args.client_key).map_err(|e| e.to_string())?;
    let result = EncryptedLogits::load(&args.input).map_err(|e| e.to_string())?;
    // The result does not fit the key (another parameter set): name both files.
    let logits = key.decrypt_logits(&result).map_err(|e| {
        format!(
            "{}: {e} (client key {})",
            args.input.display(),
            args.client_key.display()
        )
    })?;
    // A loaded result holds at least one logit.
    let class = argmax(&logits).ok_or_else(|| format!("{}: no logits", args.input.display()))?;
    let text: Vec<String> = logits.iter().map(i64::to_string).collect();
    writeln!(out, "class: {class}").map_err(output_error)?;
    writeln!(out, "logits: {}", text.join(" ")).map_err(output_error)
}

#[cfg(test)]
mod tests {
    use super::argmax;

    #[test]
    fn argmax_takes_the_first_largest() {
        assert_eq!(argmax(&[]), None);
        assert_eq!(argmax(&[-3]), Some(0));
        assert_eq!(argmax(&[1, 5, 5, -2]), Some(1));
        assert_eq!(argmax(&[i64::MIN, i64::MIN]), Some(0));
    }
}
