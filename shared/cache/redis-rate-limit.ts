import type { Redis } from 'ioredis';
import { planRateLimits, type RateLimitRequest, type RateLimitVerdict, WINDOW_SLOTS } from './rate-limit.js';

// decideInOrder (rate-limit.ts) in Lua, so a call's requests are decided atomically in one round trip.
// KEYS: the counters (hashes of slot -> units). ARGV: the request count, then per counter its limit
// and period, then per request its onlyAfter (0-based, -1 for none), its rule count and per rule the
// counter (1-based) and the cost. Time is Redis's, so every replica shares one clock.
// Reply, per request: allowed, then per rule: fits, remaining, resetMs, retryAfterMs.
const SCRIPT = `
local SLOTS = ${WINDOW_SLOTS}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, period, slotMs, current, slots, used, added = {}, {}, {}, {}, {}, {}, {}
local pos = 2
for k = 1, #KEYS do
  limit[k] = tonumber(ARGV[pos]); period[k] = tonumber(ARGV[pos + 1]); pos = pos + 2
  slotMs[k] = period[k] / SLOTS
  current[k] = math.floor(now / slotMs[k])
  local oldest = current[k] - SLOTS
  local flat = redis.call('HGETALL', KEYS[k])
  local live, stale, total = {}, {}, 0
  for i = 1, #flat, 2 do
    local slot, units = tonumber(flat[i]), tonumber(flat[i + 1])
    if slot < oldest then stale[#stale + 1] = flat[i] else live[#live + 1] = {slot, units}; total = total + units end
  end
  if #stale > 0 then redis.call('HDEL', KEYS[k], unpack(stale)) end
  table.sort(live, function(a, b) return a[1] < b[1] end)
  slots[k], used[k], added[k] = live, total, 0
end
local function leavesAt(k, slot) return (slot + SLOTS + 1) * slotMs[k] - now end
local function fits(k, cost) return used[k] + cost <= limit[k] end
local function retryAfter(k, cost)
  if fits(k, cost) then return 0 end
  if cost > limit[k] then return period[k] end
  local need, freed = used[k] + cost - limit[k], 0
  for _, s in ipairs(slots[k]) do
    freed = freed + s[2]
    if freed >= need then return math.ceil(leavesAt(k, s[1])) end
  end
  return period[k]
end
local function reset(k)
  local newest = slots[k][#slots[k]]
  if newest then return math.ceil(leavesAt(k, newest[1])) end
  return 0
end
local reply, verdicts = {}, {}
for r = 1, tonumber(ARGV[1]) do
  local onlyAfter, n = tonumber(ARGV[pos]), tonumber(ARGV[pos + 1])
  local rules = {}
  for i = 1, n do rules[i] = {tonumber(ARGV[pos + 2 * i]), tonumber(ARGV[pos + 2 * i + 1])} end
  pos = pos + 2 + 2 * n
  local gated = onlyAfter >= 0 and not verdicts[onlyAfter + 1]
  local allowed = not gated
  if allowed then for _, rule in ipairs(rules) do if not fits(rule[1], rule[2]) then allowed = false end end end
  if allowed then
    for _, rule in ipairs(rules) do
      local k, cost = rule[1], rule[2]
      local newest = slots[k][#slots[k]]
      if newest and newest[1] == current[k] then newest[2] = newest[2] + cost else slots[k][#slots[k] + 1] = {current[k], cost} end
      used[k] = used[k] + cost
      added[k] = added[k] + cost
    end
  end
  verdicts[r] = allowed
  reply[#reply + 1] = allowed and 1 or 0
  for _, rule in ipairs(rules) do
    local k, cost = rule[1], rule[2]
    reply[#reply + 1] = (allowed or (not gated and fits(k, cost))) and 1 or 0
    reply[#reply + 1] = math.max(0, limit[k] - used[k])
    reply[#reply + 1] = reset(k)
    reply[#reply + 1] = allowed and 0 or retryAfter(k, cost)
  end
end
for k = 1, #KEYS do
  if added[k] > 0 then
    redis.call('HINCRBY', KEYS[k], current[k], added[k])
    redis.call('PEXPIRE', KEYS[k], math.ceil(period[k] + 2 * slotMs[k]))
  end
end
return reply
`;

type WithRateLimit = Redis & { decideRateLimits(numKeys: number, ...args: Array<string | number>): Promise<number[]> };

/**
 * The sliding-window limiter on Redis: a call's requests in one `EVALSHA`
 * (ioredis sends the script itself once, on `NOSCRIPT`), decided in order
 * atomically across replicas. The counters of one call must live on one
 * Redis node (true of a single Redis or a replica set; under Redis Cluster
 * give the keys one hash tag).
 */
export function createRedisRateLimit(redis: Redis) {
  redis.defineCommand('decideRateLimits', { lua: SCRIPT });
  const client = redis as WithRateLimit;
  return async function limit(requests: RateLimitRequest[]): Promise<RateLimitVerdict[]> {
    if (requests.length === 0) return [];
    const plan = planRateLimits(requests);
    const args: Array<string | number> = plan.counters.map((c) => c.key);
    args.push(plan.requests.length);
    for (const c of plan.counters) args.push(c.limit, c.periodMs);
    for (const r of plan.requests) {
      args.push(r.onlyAfter, r.rules.length);
      for (const rule of r.rules) args.push(rule.counter + 1, rule.cost);
    }
    const reply = await client.decideRateLimits(plan.counters.length, ...args);
    let at = 0;
    const next = () => reply[at++]!;
    return plan.requests.map((r) => ({
      allowed: next() === 1,
      decisions: r.rules.map((rule) => ({
        allowed: next() === 1,
        limit: plan.counters[rule.counter]!.limit,
        remaining: next(),
        resetMs: next(),
        retryAfterMs: next(),
      })),
    }));
  };
}
