// vitest globalSetup: child-process tests load the BUILT packages (dist/), as a user would: this package is rebuilt
// when a source is newer than its build, @kprof/sdk only when it has no build (its own tests keep it current).
export { buildBeforeTest as default } from '@kprof/test-support';
