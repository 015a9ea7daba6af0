// Loopback addresses of the benchmark's targets. Linux routes all of 127.0.0.0/8 to lo, so one
// process can play 1,000 hosts on the same port.

/** The i-th target's address: 127.0.1.1, 127.0.1.2, … 127.0.1.250, 127.0.2.1, … */
export function targetAddress(i) {
  return `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;
}
