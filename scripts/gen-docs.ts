/** Writes docs/reference.md from the component schemas (`make docs`). */
import { writeFileSync } from 'node:fs';
import { Registry } from '../src/registry.js';
import { referenceMarkdown } from '../src/cli/help.js';

writeFileSync(new URL('../docs/reference.md', import.meta.url), referenceMarkdown(Registry.builtin()));
console.log('wrote docs/reference.md');
