// V8's heap settings for the server process, set before anything else runs (src/main.ts imports this first).
//
// Allocation-site pretenuring off: V8 otherwise decides, from a short sample, that objects from a busy allocation
// site live long and allocates that site's objects straight in the old generation. During a 200,000-row import
// the per-row objects (records, cells, checks) were judged so, though each dies within its row, and the old
// generation filled with garbage that only a full collection frees: the server's RSS rose from ~215 MB to ~390 MB
// in a dry run whose live data never passed 80 MB (`--trace-gc`). Without pretenuring the same dry run peaks at
// ~250 MB. The chat traffic is short-lived requests, which lose nothing by it.
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-allocation-site-pretenuring');
