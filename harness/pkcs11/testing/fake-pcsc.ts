/** The tests' name for the in-process PC/SC (in-process-pcsc.ts). */
export { InProcessPcsc as FakePcsc } from '../in-process-pcsc.ts';
