/**
 * The web console's build (src/console -> dist/console), run by `npm run build` and `npm ci`.
 * Everything is bundled (no CDN), so the console works offline. The event-type list comes from the
 * packaged spec at build time, so the console's type filter always matches what the server accepts.
 */
import { readFileSync } from 'node:fs';
import { defineConfig } from 'vite';

const table = JSON.parse(readFileSync(new URL('./spec/audit-log-event-types.json', import.meta.url), 'utf8')) as {
  event_types: { type: string; tenant_scoped: boolean }[];
};
const eventTypes = table.event_types.map((e) => [e.type, e.tenant_scoped]);

// Each usage kind's group_by values and measures, read from the official spec like the server does.
interface SpecSchema {
  properties: Record<string, { type?: string }>;
  required?: string[];
}
const spec = JSON.parse(readFileSync(new URL('./spec/openai-admin-subset.json', import.meta.url), 'utf8')) as {
  paths: Record<string, { get?: { parameters?: { name: string; schema: { items?: { enum?: string[] } } }[]; responses?: unknown } }>;
  components: { schemas: Record<string, SpecSchema> };
};
const usageKinds = Object.entries(spec.paths)
  .filter(([path]) => path.startsWith('/organization/usage/'))
  .map(([path, item]) => {
    const name = path.slice('/organization/usage/'.length);
    const groupBy = item.get?.parameters?.find((p) => p.name === 'group_by')?.schema.items?.enum ?? [];
    const schemaName = `Usage${name
      .split('_')
      .map((w) => w[0]?.toUpperCase() + w.slice(1))
      .join('')}Result`;
    const schema = spec.components.schemas[schemaName];
    if (!schema) throw new Error(`vite.config: no ${schemaName} in the spec`);
    const measures = Object.entries(schema.properties)
      .filter(([, v]) => v.type === 'integer')
      .map(([k]) => k);
    return { name, groupBy, measures };
  });

export default defineConfig({
  root: 'src/console',
  base: '/',
  publicDir: false,
  define: { __EVENT_TYPES__: JSON.stringify(eventTypes), __USAGE_KINDS__: JSON.stringify(usageKinds) },
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: '../../dist/console',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: true,
    chunkSizeWarningLimit: 200,
  },
  server: { proxy: { '/v1': 'http://127.0.0.1:8080' } },
});
