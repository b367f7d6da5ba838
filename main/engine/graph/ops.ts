// Op table: for each standard ONNX op the engine uses, its output dtype/shape rule and, side by side, its
// vector-Jacobian product (reverse-mode rule) expressed with the same builder. Owned by the autodiff work.
import type { AttrValue, DType, Dim, Value } from './ir';
import type { GraphBuilder } from './builder';

export interface OpDef {
  /** Output dtypes/shapes from input values and attributes (shape null when not statically known). */
  infer(inputs: (Value | null)[], attrs: Record<string, AttrValue>, nOut: number): { dtype: DType; shape: Dim[] | null }[];
  /**
   * Reverse-mode rule: given the node's inputs, outputs and the gradients flowing into its outputs (null = zero),
   * emit nodes computing the gradient w.r.t. each input (null = no gradient / not differentiable).
   */
  vjp?(
    b: GraphBuilder,
    inputs: (Value | null)[],
    outputs: Value[],
    gradOutputs: (Value | null)[],
    attrs: Record<string, AttrValue>,
  ): (Value | null)[];
}

export const OPS: Record<string, OpDef> = {};
