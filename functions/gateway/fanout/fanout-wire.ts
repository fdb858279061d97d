import type { z } from 'zod';
import type { fanoutResponse } from './fanout.responses.js';
import type { FanoutRow } from './fanout-store.js';

/** A fan-out in wire format (the shape its routes document). */
export function fanoutJson(f: FanoutRow): z.output<typeof fanoutResponse> {
  return {
    fanout_id: f.id,
    topic_key: f.topicKey,
    request_id: f.requestId,
    status: f.state,
    total: f.total,
    created: f.created,
    skipped: f.skipped,
    failed: f.failed,
    error: f.error,
    created_at: f.createdAt.toISOString(),
    updated_at: f.updatedAt.toISOString(),
    completed_at: f.completedAt?.toISOString() ?? null,
  };
}
