// vitest globalSetup: the child-process tests load the BUILT SDK (dist/), as a user would; build it when a source is newer.
export { buildBeforeTest as default } from '@kprof/test-support';
