// Inline boot script (build.mjs puts it in index.html's <head>): starts the first API requests
// before the stylesheet and main bundle load. See boot-fetch.ts.
import { startBootFetches } from './boot-fetch.js';

startBootFetches(location.search);
