/** Messages between a load run's main thread and its worker threads (load-worker-main.ts). */
import type { FleetOptions } from '../../harness/cards/card-fleet.ts';
import type { Scenario } from '../runner/load.ts';
import type { ArrivalPlan } from './arrivals.ts';
import type { TallyData } from './tally.ts';
import type { TargetView } from './target.ts';

export interface LoadWorkerData {
  readonly view: TargetView;
  readonly scenario: Scenario;
  readonly fleet: FleetOptions;
  /** This worker's citizens: fleet indices `first … first + count − 1`. */
  readonly first: number;
  readonly count: number;
  readonly registration: 'derived' | 'card';
  readonly arrivals: Omit<ArrivalPlan, 'startAt'>;
}

export type ToLoadWorker = { readonly type: 'start'; readonly startAt: number };

export type FromLoadWorker =
  | { readonly type: 'prepared'; readonly count: number }
  | { readonly type: 'second'; readonly tally: TallyData; readonly inFlight: number }
  | { readonly type: 'done'; readonly tally: TallyData }
  | { readonly type: 'error'; readonly message: string };
