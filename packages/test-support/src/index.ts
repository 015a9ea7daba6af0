// @kprof/test-support: kprof's internal test helpers (private, never published). This file is its
// only entry; each module does one job.
export { buildBeforeTest, buildPackage, isBuilt, type RebuildWhen } from './build-before-test.js';
export { runProcess, startProcess, type ProcessOptions, type ProcessResult, type RunningProcess } from './child-process.js';
export { buildGoProgram, goVersion, runGoToolPprof } from './go-toolchain.js';
export { startLoad, type Load, type LoadStats } from './http-load.js';
export {
  closedLoopbackPort, startLoopbackServer, startProfileReceiver,
  type LoopbackServer, type ProfileReceiver, type ReceivedPush, type ReceiverMode,
} from './loopback-server.js';
export {
  ProfileBuilder, goCpuProfile, goHeapPprof, goHeapPprofStacks, goHeapProfile,
  type FrameSpec, type GoHeapValues, type LocationSpec, type ProfileBuilderOptions,
} from './pprof-builder.js';
export {
  decodeGzippedProfile, fileOfFunction, inclusiveTotal, rawProfile, readProfile, sampleTypeNames, sampleTypes, samples, totalsByLabel,
  type Frame, type ProfileSample, type ValueColumn,
} from './pprof-reader.js';
export { startServerLiteCli, type ServerLiteCli } from './server-lite-cli.js';
export { makeTempDir, tempDir, type SharedTempDir } from './temp-dir.js';
