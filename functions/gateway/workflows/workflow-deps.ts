import type { TemplateClient } from '../../../shared/clients/template-client.js';
import type { WorkflowStore } from './definitions/workflow-store.js';
import type { RunStore } from './runs/run-store.js';
import type { RunTrigger } from './runs/run-trigger.js';

/** What the workflow routes need. */
export interface WorkflowDeps {
  store: WorkflowStore;
  runs: RunStore;
  trigger: RunTrigger;
  /** A definition's send steps are checked against the templates when it is stored. */
  templates: Pick<TemplateClient, 'resolve'>;
}
