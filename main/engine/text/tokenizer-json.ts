// Pieces of tokenizer.json that the project's own tokenizer writers (tiny test classifiers, the demo tokenizer)
// share. They follow the format @huggingface/tokenizers and python `tokenizers` read.

/** BERT-style post-processor: `[CLS] A [SEP]` and `[CLS] A [SEP] B [SEP]` (segment 1 for B). */
export function bertTemplateProcessing(clsId: number, sepId: number) {
  return {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
    pair: [
      { SpecialToken: { id: '[CLS]', type_id: 0 } },
      { Sequence: { id: 'A', type_id: 0 } },
      { SpecialToken: { id: '[SEP]', type_id: 0 } },
      { Sequence: { id: 'B', type_id: 1 } },
      { SpecialToken: { id: '[SEP]', type_id: 1 } },
    ],
    special_tokens: {
      '[CLS]': { id: '[CLS]', ids: [clsId], tokens: ['[CLS]'] },
      '[SEP]': { id: '[SEP]', ids: [sepId], tokens: ['[SEP]'] },
    },
  };
}
