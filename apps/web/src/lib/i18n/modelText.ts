/**
 * The model's labels and descriptions in one language, as the server's `modelText(language)`
 * serves them from the construction kit (docs/graphql.md): per GraphQL type its fields, per enum
 * its values, English where the model has no text in the language, null where it has no label at
 * all. Framework-free; `react.tsx` loads them, `index.ts` and `schema/model.ts` read them.
 */

export interface Text {
  name: string;
  label: string | null;
  description: string | null;
}

export interface TypeText extends Text {
  fields: Text[];
}

export interface EnumText extends Text {
  values: Text[];
}

/** What `modelText(language)` returns. */
export interface ModelTextData {
  language: string;
  languages: string[];
  types: TypeText[];
  enums: EnumText[];
}

export const MODEL_TEXT_QUERY = `query ModelText($language: String!) {
  modelText(language: $language) {
    language
    languages
    types { name label description fields { name label description } }
    enums { name label description values { name label description } }
  }
}`;

/** The texts of one language, looked up by GraphQL names. */
export class ModelTexts {
  readonly language: string;
  private readonly types = new Map<string, TypeText>();
  private readonly fields = new Map<string, Map<string, Text>>();
  private readonly enums = new Map<string, Map<string, Text>>();
  /** Field and enum-value labels by name alone: for callers that do not say the type. */
  private readonly fieldLabels: Map<string, string>;
  private readonly valueLabels: Map<string, string>;

  constructor(data: ModelTextData) {
    this.language = data.language;
    for (const type of data.types) {
      this.types.set(type.name, type);
      this.fields.set(type.name, new Map(type.fields.map((f) => [f.name, f] as const)));
    }
    for (const e of data.enums) this.enums.set(e.name, new Map(e.values.map((v) => [v.name, v] as const)));
    this.fieldLabels = commonest(data.types.flatMap((t) => t.fields));
    this.valueLabels = commonest(data.enums.flatMap((e) => e.values));
  }

  type(typeName: string): Text | undefined {
    return this.types.get(typeName);
  }

  /** A field of `typeName`, or of no type in particular: the label most types give the name. */
  field(name: string, typeName?: string): Text | undefined {
    if (typeName !== undefined) return this.fields.get(typeName)?.get(name);
    const label = this.fieldLabels.get(name);
    return label === undefined ? undefined : { name, label, description: null };
  }

  /** A value of the enum `enumName`, or of no enum in particular (the commonest label). */
  enumValue(value: string, enumName?: string): Text | undefined {
    if (enumName !== undefined) return this.enums.get(enumName)?.get(value);
    const label = this.valueLabels.get(value);
    return label === undefined ? undefined : { name: value, label, description: null };
  }
}

/** name → the label most texts of that name carry (the first one on a tie). */
function commonest(texts: Text[]): Map<string, string> {
  const counts = new Map<string, Map<string, number>>();
  for (const text of texts) {
    if (!text.label) continue;
    const byLabel = counts.get(text.name) ?? new Map<string, number>();
    byLabel.set(text.label, (byLabel.get(text.label) ?? 0) + 1);
    counts.set(text.name, byLabel);
  }
  const result = new Map<string, string>();
  for (const [name, byLabel] of counts) {
    let best: [string, number] | undefined;
    for (const entry of byLabel) if (!best || entry[1] > best[1]) best = entry;
    if (best) result.set(name, best[0]);
  }
  return result;
}
