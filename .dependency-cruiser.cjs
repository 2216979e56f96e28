// The import rules of src/ (docs/architecture.md, "The flow"): no cycles, and no module imports a layer that comes
// after its own. Run: npx depcruise src (npm test runs it first).
/** The layers in the order data flows; a layer may import itself and the layers before it. src/*.ts is the bottom. */
const LAYERS = ['core', 'space', 'model', 'engine', 'data', 'train', 'store', 'sweep', 'cluster', 'analysis', 'report', 'serve', 'cli'];

const against = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `flow-${layer}`,
  comment: `src/${layer} comes before ${LAYERS.slice(i + 1).join(', ')} in the flow and may not import them`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: `^src/(${LAYERS.slice(i + 1).join('|')})/` },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'a cycle of imports (type imports included) means a concern lives in two homes',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'bottom-imports-nothing-above',
      comment: 'src/*.ts (errors, messages) sit below every folder but core',
      severity: 'error',
      from: { path: '^src/[^/]+\\.ts$' },
      to: { path: `^src/(${LAYERS.slice(1).join('|')})/` },
    },
    ...against,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.(mjs|as|md)$' },
  },
};
