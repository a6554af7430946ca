import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { builtinTemplates, TemplateRegistry } from '../domain/templates/registry.js';
import { parseJsonText } from '../formats/json/json-format.js';

/** The built-in templates plus template files (or folders of *.json) named on the command line. */
export function loadTemplates(extra: readonly string[]): TemplateRegistry {
  const registry = new TemplateRegistry();
  for (const t of builtinTemplates().list()) registry.add(t, `${t.id}@${t.edition}`);
  for (const path of extra) {
    const files = statSync(path).isDirectory()
      ? readdirSync(path)
          .filter((f) => f.endsWith('.json'))
          .sort()
          .map((f) => join(path, f))
      : [path];
    for (const file of files) registry.add(parseJsonText(readFileSync(file), 'template'), file);
  }
  return registry;
}
