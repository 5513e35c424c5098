//! Exact fake-quantization operations with straight-through gradients.
//!
//! Each operation computes its integer-valued result exactly in `f32` (no `x + (q(x) − x)`
//! trick, whose rounding could move the result off the integer grid) and passes the gradient
//! straight through in the backward pass.

use candle_core::{bail, CpuStorage, CustomOp1, Layout, Result, Shape, Tensor};

/// The quantizers used by the QAT forward pass.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Ste {
    /// `⌊x⌋`, gradient 1.
    Floor,
    /// `round(x)` (half away from zero), gradient 1.
    Round,
    /// `2^−round(x)` exactly, gradient `−ln 2 · 2^−x` (evaluated at the rounded point).
    Pow2Neg,
    /// The power-of-two weight quantizer: `0` if `|x| < 0.5`, else
    /// `sign(x)·2^clamp(round(log2|x|), 0, 14)`; gradient 1.
    Log2Weight,
}

/// `0` or `±2^e` (`e ∈ 0..=14`): the integer weight a latent value `x` (in integer units)
/// stands for.
pub(crate) fn log2_weight(x: f32) -> f32 {
    let m = x.abs();
    if m.is_nan() || m < 0.5 {
        return 0.0;
    }
    let e = m
        .log2()
        .round()
        .clamp(0.0, crate::quantize::MAX_WEIGHT_EXPONENT as f32) as i32;
    let q = 2f32.powi(e);
    if x < 0.0 {
        -q
    } else {
        q
    }
}

impl Ste {
    fn apply(self, x: f32) -> f32 {
        match self {
            Self::Floor => x.floor(),
            Self::Round => x.round(),
            Self::Pow2Neg => 2f32.powi(-(x.round() as i32)),
            Self::Log2Weight => log2_weight(x),
        }
    }
}

impl CustomOp1 for Ste {
    fn name(&self) -> &'static str {
        match self {
            Self::Floor => "ste-floor",
            Self::Round => "ste-round",
            Self::Pow2Neg => "ste-pow2neg",
            Self::Log2Weight => "ste-log2-weight",
        }
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let CpuStorage::F32(data) = storage else {
            bail!("{}: only f32 tensors are supported", self.name());
        };
        let Some((start, end)) = layout.contiguous_offsets() else {
            bail!("{}: the input must be contiguous", self.name());
        };
        let out: Vec<f32> = data[start..end].iter().map(|&x| self.apply(x)).collect();
        Ok((CpuStorage::F32(out), layout.shape().clone()))
    }

    fn bwd(&self, _arg: &Tensor, res: &Tensor, grad_res: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(match self {
            Self::Floor | Self::Round | Self::Log2Weight => grad_res.clone(),
            Self::Pow2Neg => (grad_res.mul(res)? * (-std::f64::consts::LN_2))?,
        }))
    }
}

/// Applies a quantizer with its straight-through gradient.
pub(crate) fn ste(x: &Tensor, op: Ste) -> Result<Tensor> {
    x.contiguous()?.apply_op1(op)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};

    #[test]
    fn log2_weight_codes() {
        assert_eq!(log2_weight(0.49), 0.0);
        assert_eq!(log2_weight(0.5), 1.0);
        assert_eq!(log2_weight(-1.3), -1.0);
        assert_eq!(log2_weight(1.5), 2.0);
        assert_eq!(log2_weight(5.0), 4.0);
        assert_eq!(log2_weight(6.0), 8.0);
        assert_eq!(log2_weight(1e9), 16384.0);
    }

    #[test]
    fn gradients_pass_straight_through() -> Result<()> {
        let x = Var::from_vec(vec![0.3f32, -2.7, 7.9], 3, &Device::Cpu)?;
        let y = ste(x.as_tensor(), Ste::Floor)?;
        assert_eq!(y.to_vec1::<f32>()?, vec![0.0, -3.0, 7.0]);
        let g = y.sum_all()?.backward()?;
        assert_eq!(g.get(&x).unwrap().to_vec1::<f32>()?, vec![1.0, 1.0, 1.0]);
        let p = ste(x.as_tensor(), Ste::Pow2Neg)?;
        assert_eq!(p.to_vec1::<f32>()?, vec![1.0, 8.0, 1.0 / 256.0]);
        Ok(())
    }
}
