// The domain's schema-check.ts is written for Node's module resolution (NodeNext), where ajv's CommonJS default export
// sits on `.default`. The web build type-checks the domain with bundler resolution, where it would not; these two
// shims give schema-check.ts the shape it was written for. The browser bundle never runs ajv (see vite.config.ts).
import type AjvClass from '../../node_modules/ajv/dist/ajv';
export * from '../../node_modules/ajv/dist/ajv';
declare const ajvModule: { default: typeof AjvClass };
export default ajvModule;
