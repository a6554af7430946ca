import type { CompiledTemplate } from '../compiled-template.js';
import { loadTemplate, type TemplateProblem } from '../template-check.js';
import type { Template } from '../template.js';
import type { TemplateLookup } from '../validation.js';
import iotSeed from './builtin/iot-security-guideline-1.0-seed.json' with { type: 'json' };
import mds2nd from './builtin/jahis-jira-mds-2.json' with { type: 'json' };
import mhlw2015 from './builtin/mhlw-cyber-notice-2015.json' with { type: 'json' };
import nemaMds2 from './builtin/nema-mds2-2019.json' with { type: 'json' };

/** The templates that ship with OpenMDS, in the order they are listed. */
export const BUILTIN_TEMPLATE_DATA: readonly unknown[] = [mds2nd, nemaMds2, iotSeed, mhlw2015];

export class TemplateLoadError extends Error {
  constructor(
    readonly source: string,
    readonly problems: TemplateProblem[],
  ) {
    super(`${source}: ${problems.map((p) => `${p.where}: ${p.message}`).join('; ')}`);
    this.name = 'TemplateLoadError';
  }
}

/** An in-memory set of compiled templates, keyed by id and edition. */
export class TemplateRegistry implements TemplateLookup {
  readonly #byKey = new Map<string, CompiledTemplate>();

  /** Adds template data; throws TemplateLoadError, naming the row or field, when it is broken. */
  add(data: unknown, source = 'template'): CompiledTemplate {
    const loaded = loadTemplate(data);
    if (!loaded.ok) throw new TemplateLoadError(source, loaded.problems);
    this.#byKey.set(loaded.template.key, loaded.template);
    return loaded.template;
  }

  get(id: string, edition: string): CompiledTemplate | undefined {
    return this.#byKey.get(`${id}@${edition}`);
  }

  editions(id: string): string[] {
    return this.list()
      .filter((t) => t.id === id)
      .map((t) => t.edition);
  }

  list(): Template[] {
    return [...this.#byKey.values()].map((c) => c.template);
  }

  compiled(): CompiledTemplate[] {
    return [...this.#byKey.values()];
  }
}

let builtin: TemplateRegistry | undefined;

/** The built-in templates, validated and compiled once per process. */
export function builtinTemplates(): TemplateRegistry {
  if (builtin === undefined) {
    const r = new TemplateRegistry();
    BUILTIN_TEMPLATE_DATA.forEach((data, i) => r.add(data, `built-in template #${i + 1}`));
    builtin = r;
  }
  return builtin;
}
