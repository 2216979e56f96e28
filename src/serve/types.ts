// What the dashboard's JSON endpoints send and its page reads: the contract between src/serve and src/serve/client.
import type { TopLevelSpec } from 'vega-lite';
import type { BackendName, RunStatus, StatusCounts, TrainSettings } from '../core/types.ts';

/** The field of a chart's data row that names the run it draws (the report's charts put it there). */
export { RUN_ID_FIELD } from '../report/charts.ts';

/** Name of the interval selection each chart that plots runs as points gets. */
export const BRUSH_PARAM = 'brush';

/**
 * Name of the top-level parameter holding the runs the other charts' brushes keep: null keeps every run, an array
 * of run ids keeps those. The page sets it with view.signal(); a row without a run id is never filtered out.
 */
export const LINKED_PARAM = 'linkedRuns';

/** Whether a live process is writing the sweep now (it holds the sweep's lock), or nobody is. */
export type SweepActivity = 'writing' | 'idle';

/** One sweep in the database's list (GET /api/sweeps). */
export interface SweepListItem {
  name: string;
  /** ISO time the sweep was created. */
  createdAt: string;
  counts: StatusCounts;
  activity: SweepActivity;
  /** The writing process, when one holds the sweep. */
  owner: { pid: number; host: string; since: string } | null;
}

/** GET /api/sweeps. */
export interface SweepList {
  /** The database file as given to `netspace serve --db`. */
  db: string;
  sweeps: SweepListItem[];
}

/** A run as the runs table lists it: every status, not only finished runs. */
export interface RunRow {
  id: number;
  space: string;
  status: RunStatus;
  /** Top-1 validation error after the last epoch, 0..1; null unless done. */
  error: number | null;
  /** Epochs stored so far, and planned. */
  epochs: number;
  epochsPlanned: number;
  /** Analytic complexity: multiply-adds per image, trainable parameters, activations per image. */
  flops: number;
  params: number;
  acts: number;
  /** Wall time of the run, seconds; null until it ends. */
  seconds: number | null;
  backend: BackendName | null;
  /** Why a run failed or diverged. */
  errorText: string | null;
  /** The per-stage lists as the paper writes them: "d [..] · w [..] · g [..] · b [..]". */
  config: string;
  /**
   * The parameters the run's space drew, named as the report's parameter charts name them (d1, w1, b, g, w0, wa,
   * ...: space/domains.ts flatParameters); a name the space has not is absent.
   */
  values: Record<string, number>;
}

/** A parameter column of the runs table. */
export interface ParameterColumn {
  /** The parameter's symbol (d1, w0, ...). */
  name: string;
  label: string;
}

/**
 * The rows a chart's brush selects from: for every mark that draws one run, the run's id and its values of the
 * brushed fields, in `fields` order. The page tests these against the brush's ranges to know which runs it holds.
 */
export interface BrushTarget {
  /** Name of the interval selection parameter in the spec. */
  param: string;
  /** Data fields the brush spans (the unit's x field). */
  fields: string[];
  points: { runId: number; values: number[] }[];
}

/** One chart of the report, made interactive. */
export interface DashboardChart {
  /** The report's chart name (chartSpecs' key, e.g. "edf", "error-vs-flops"). */
  name: string;
  spec: TopLevelSpec;
  /** Present when the chart has a brush over runs. */
  brush: BrushTarget | null;
  /** Whether the chart draws runs, and so can be filtered by another chart's brush. */
  linked: boolean;
}

/** One design space's line of the summary. */
export interface SpaceLine {
  space: string;
  counts: StatusCounts;
  minError: number | null;
  medianError: number | null;
  meanError: number | null;
  bestRunId: number | null;
}

/** GET /api/sweeps/:name: everything the sweep page shows. */
export interface SweepView {
  sweep: SweepListItem;
  notes: string[];
  spaces: SpaceLine[];
  charts: DashboardChart[];
  parameters: ParameterColumn[];
  runs: RunRow[];
  /** ISO time the server analysed the sweep. */
  analysedAt: string;
}

/** One stage of a run's architecture, with what follows from d_i, w_i, g_i and b_i. */
export interface StageLine {
  /** Blocks d_i, output width w_i, group width g_i, bottleneck ratio b_i. */
  depth: number;
  width: number;
  groupWidth: number;
  bottleneckRatio: number;
  /** Channels inside the block's 3x3 convolution, round(w_i / b_i), and the number of groups in it. */
  innerWidth: number;
  groups: number;
}

/** GET /api/runs/:id: one run opened from a chart or the table. */
export interface RunView {
  run: RunRow;
  sweep: string;
  configKey: string;
  seed: number;
  settings: TrainSettings;
  sampled: Record<string, number | number[]>;
  architecture: {
    inputChannels: number;
    stemWidth: number;
    stages: StageLine[];
    /** Output channels of every block, first to last. */
    blockWidths: number[];
    numClasses: number;
  };
  /** The run's curves chart (the one `netspace curves` draws), or null before its first epoch. */
  curves: TopLevelSpec | null;
}
