/** The /debug/pprof names kprof serves for Node.js, and the Go-only names it answers deliberately with 501. */

/** Served names with the one-line description shown on the index page. */
export const NODE_PROFILES: readonly { name: string; description: string }[] = Object.freeze([
  { name: 'allocs', description: 'Live heap objects sampled by V8, by allocation site (Node.js has no cumulative allocation counts before Node 26; same data as heap). Add gc=1 to collect garbage first.' },
  { name: 'cmdline', description: 'The command line of this process: node binary, Node options and arguments, NUL-separated.' },
  { name: 'heap', description: 'Live heap objects sampled by V8 (inuse_objects, inuse_space), by allocation site. Add gc=1 to collect garbage first, or seconds=N for the change over N seconds.' },
  { name: 'profile', description: 'Wall and CPU time of all JavaScript, sampled at 100 Hz for the next seconds=N (default 30) and then returned.' },
]);

/** Go-only names: why Node.js has nothing honest to return for them. */
export const GO_ONLY_PROFILES: ReadonlyMap<string, string> = new Map([
  ['goroutine', 'Node.js has no goroutines; JavaScript runs on one thread per isolate (use profile for where time goes)'],
  ['block', 'Node.js has no blocking channel or lock operations to record (use profile: wall time includes waiting)'],
  ['mutex', 'Node.js JavaScript has no mutex contention to record'],
  ['threadcreate', 'Node.js does not expose stacks of thread creation'],
  ['trace', 'Go execution traces have no Node.js equivalent (use profile, or node --cpu-prof)'],
]);
