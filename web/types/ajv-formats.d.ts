// See ajv.d.ts beside this file.
import type formatsPlugin from '../../node_modules/ajv-formats/dist/index';
export * from '../../node_modules/ajv-formats/dist/index';
declare const formatsModule: { default: typeof formatsPlugin };
export default formatsModule;
