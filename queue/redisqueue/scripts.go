package redisqueue

import "github.com/redis/go-redis/v9"

// The scripts run every state transition atomically on the server. Each
// touches only the keys of one queue, which share the queue's hash tag,
// so the broker works on Redis Cluster; times are the server's (TIME), so
// that instances with drifting clocks agree on leases and run times.
//
// Except for enqueueOneScript, which names its own, the scripts take the
// fixed keys in KEYS in this order (see Broker.keys), or a first part of
// them:
//
//	1 pending:high  2 pending:normal  3 pending:low  4 scheduled  5 retry
//	6 active  7 completed  8 archived  9 paused  10 stats
//
// and ARGV[1] is the prefix of the queue's job hashes; a job hash holds
//
//	t type   d payload   m encoded options   p priority (1, 0, -1)
//	a attempt (absent until the first lease)   e last error   s state
//	k lease token   c enqueued at (ms)
//	n next run (ms)   f finished at (ms)   r result
//
// Scripts other than enqueueOneScript name job hashes inside (their IDs
// are only known there); they carry the same hash tag as KEYS.

// common is prepended to the scripts that use its helpers.
const common = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function list_for(p)
  if p == '1' then return KEYS[1] elseif p == '-1' then return KEYS[3] end
  return KEYS[2]
end
-- bulk calls cmd on key with the items of list, in chunks that unpack
-- can take: one command per thousand items instead of one per item.
local function bulk(cmd, key, list)
  for i = 1, #list, 1000 do
    if key then
      redis.call(cmd, key, unpack(list, i, math.min(i + 999, #list)))
    else
      redis.call(cmd, unpack(list, i, math.min(i + 999, #list)))
    end
  end
end
`

// enqueueOneScript stores one job: the common call, kept to the least
// work per job. KEYS: 1 the job's hash, 2 the pending list of its
// priority, 3 scheduled, 4 its unique-key lock when it has a unique key.
// ARGV: 1 id, 2 type, 3 payload, 4 options, 5 priority, 6 run-at ms (0 =
// now), 7 unique window ms, 8 notify channel, 9 queue name.
// Returns the server's time in ms when stored, 0 when the unique key is
// held, -1 when the ID exists. Like enqueueScript it notifies waiting
// fetches of every job it stores.
const enqueueOneSrc = `
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
if KEYS[4] and not redis.call('SET', KEYS[4], ARGV[1], 'NX', 'PX', ARGV[7]) then return 0 end
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local at = tonumber(ARGV[6])
if at > now then
  redis.call('HSET', KEYS[1], 't', ARGV[2], 'd', ARGV[3], 'm', ARGV[4], 'p', ARGV[5], 'c', now, 's', 'scheduled', 'n', at)
  redis.call('ZADD', KEYS[3], at, ARGV[1])
else
  redis.call('HSET', KEYS[1], 't', ARGV[2], 'd', ARGV[3], 'm', ARGV[4], 'p', ARGV[5], 'c', now, 's', 'pending')
  redis.call('RPUSH', KEYS[2], ARGV[1])
end
redis.call('PUBLISH', ARGV[8], ARGV[9])
return now
`

var (
	enqueueOneScript     = redis.NewScript(enqueueOneSrc)
	enqueueOneSha    any = enqueueOneScript.Hash() // boxed once, for enqueueOne
)

// enqueueScript stores a batch of jobs. KEYS: 1 to 3 the pending lists, 4
// scheduled. ARGV[1] job hash prefix, ARGV[2] unique-key prefix, ARGV[3]
// notify channel, ARGV[4] queue name, then per job: id, type, payload,
// options, priority, run-at ms (0 = now), unique key, unique window ms.
// Returns {now, status...}: 1 stored, 0 unique key held, -1 ID exists.
// It notifies waiting fetches of ready jobs, and of scheduled ones so that
// they set their timers to the new earliest run time. (Notifying only when
// the queue was empty saves a PUBLISH, but a fetcher of another process
// that lost the race for the job that woke it would then sleep until
// MaxWait while jobs pile up behind it.) Ready jobs are pushed once per
// list at the end, in order. A job hash gets no attempt field until its
// first lease: a missing one reads as 0.
var enqueueScript = redis.NewScript(`
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local jp, up = ARGV[1], ARGV[2]
local out = {now}
local sched = false
local push = {{}, {}, {}} -- by list: high, normal, low
for i = 5, #ARGV, 8 do
  local id, uk = ARGV[i], ARGV[i+6]
  local jk = jp .. id
  if redis.call('EXISTS', jk) == 1 then
    out[#out+1] = -1
  elseif uk ~= '' and not redis.call('SET', up .. uk, id, 'NX', 'PX', ARGV[i+7]) then
    out[#out+1] = 0
  else
    local p, at = ARGV[i+4], tonumber(ARGV[i+5])
    if at > now then
      redis.call('HSET', jk, 't', ARGV[i+1], 'd', ARGV[i+2], 'm', ARGV[i+3], 'p', p, 'c', now, 's', 'scheduled', 'n', at)
      redis.call('ZADD', KEYS[4], at, id)
      sched = true -- waiting fetches re-arm their timers
    else
      redis.call('HSET', jk, 't', ARGV[i+1], 'd', ARGV[i+2], 'm', ARGV[i+3], 'p', p, 'c', now, 's', 'pending')
      local l = push[p == '1' and 1 or p == '-1' and 3 or 2]
      l[#l+1] = id
    end
    out[#out+1] = 1
  end
end
local ready = false
for l = 1, 3 do
  local ids = push[l]
  for i = 1, #ids, 1000 do
    redis.call('RPUSH', KEYS[l], unpack(ids, i, math.min(i + 999, #ids)))
    ready = true
  end
end
if ready or sched then redis.call('PUBLISH', ARGV[3], ARGV[4]) end
return out
`)

// fetchScript: ARGV[2] max, ARGV[3] lease ms, ARGV[4] token prefix,
// ARGV[5] how many due jobs to promote per call.
// Returns {now, next, expires, job fields...}: next is the earliest time
// (ms) a waiting job becomes due or a lease expires (-1 when none, and
// when jobs were leased: the caller only waits when none were); expires
// is when the new leases expire. Each leased job adds six fields, flat:
// id, attempt, type, payload, options, last error; the n-th job's lease
// token is the token prefix followed by n.
var fetchScript = redis.NewScript(common + `
local now = now_ms()
local jp = ARGV[1]
local promote = tonumber(ARGV[5])
for _, z in ipairs({KEYS[4], KEYS[5]}) do
  local due = redis.call('ZRANGEBYSCORE', z, '-inf', now, 'LIMIT', 0, promote)
  for _, id in ipairs(due) do
    redis.call('ZREM', z, id)
    local p = redis.call('HGET', jp .. id, 'p')
    if p then
      redis.call('HSET', jp .. id, 's', 'pending')
      redis.call('RPUSH', list_for(p), id)
    end
  end
end
local expired = redis.call('ZRANGEBYSCORE', KEYS[6], '-inf', now, 'LIMIT', 0, promote)
for _, id in ipairs(expired) do
  redis.call('ZREM', KEYS[6], id)
  local p = redis.call('HGET', jp .. id, 'p')
  if p then
    redis.call('HSET', jp .. id, 's', 'pending', 'k', '')
    redis.call('LPUSH', list_for(p), id)
  end
end
local expires = now + tonumber(ARGV[3])
local out = {now, -1, expires}
local n = 0
if redis.call('EXISTS', KEYS[9]) == 0 then
  local want = tonumber(ARGV[2])
  local active = {}
  for l = 1, 3 do
    if want <= 0 then break end
    local ids = redis.call('LPOP', KEYS[l], want)
    if ids then
      for _, id in ipairs(ids) do
        local jk = jp .. id
        local f = redis.call('HMGET', jk, 's', 'a', 't', 'd', 'm', 'e')
        if f[1] == 'pending' then
          n = n + 1
          local a = (tonumber(f[2]) or 0) + 1
          redis.call('HSET', jk, 's', 'active', 'k', ARGV[4] .. n, 'a', a)
          active[#active+1] = expires
          active[#active+1] = id
          local o = #out
          out[o+1], out[o+2], out[o+3], out[o+4], out[o+5], out[o+6] = id, a, f[3] or '', f[4] or '', f[5] or '', f[6] or ''
          want = want - 1
        end
      end
    end
  end
  bulk('ZADD', KEYS[6], active)
end
if n == 0 then
  local nxt = -1
  for _, z in ipairs({KEYS[4], KEYS[5], KEYS[6]}) do
    local first = redis.call('ZRANGE', z, 0, 0, 'WITHSCORES')
    if first[2] then
      local s = tonumber(first[2])
      if nxt < 0 or s < nxt then nxt = s end
    end
  end
  out[2] = nxt
end
return out
`)

// ackScript: ARGV[2] retention ms (0 keeps no completed job), ARGV[3]
// most finished jobs kept per state, ARGV[4] notify channel, ARGV[5]
// queue name, then per outcome: id, token, kind, retry-at ms, error,
// result, has-result. Returns one status per outcome: 1 settled, 0 lease
// lost.
var ackScript = redis.NewScript(common + `
local now = now_ms()
local jp = ARGV[1]
local retention, keep = tonumber(ARGV[2]), tonumber(ARGV[3])
local out = {}
local ready = 0
-- Commands common to many outcomes are gathered and sent once at the end.
local settled, completed, gone, seen = {}, {}, {}, {}
local processed, failed = 0, 0
for i = 6, #ARGV, 7 do
  local id, tok, kind = ARGV[i], ARGV[i+1], ARGV[i+2]
  local jk = jp .. id
  local st = redis.call('HMGET', jk, 's', 'k')
  if st[1] ~= 'active' or st[2] ~= tok or seen[id] then
    out[#out+1] = 0
  else
    seen[id] = true -- a second outcome for the lease in this batch is refused
    settled[#settled+1] = id
    if kind == 'done' then
      processed = processed + 1
      if retention > 0 then
        if ARGV[i+6] == '1' then
          redis.call('HSET', jk, 's', 'completed', 'k', '', 'f', now, 'r', ARGV[i+5])
        else
          redis.call('HSET', jk, 's', 'completed', 'k', '', 'f', now)
        end
        completed[#completed+1] = now
        completed[#completed+1] = id
      else
        gone[#gone+1] = jk
      end
    elseif kind == 'retry' then
      processed = processed + 1
      failed = failed + 1
      local at = tonumber(ARGV[i+3])
      redis.call('HSET', jk, 's', 'retry', 'k', '', 'e', ARGV[i+4], 'n', at)
      redis.call('ZADD', KEYS[5], at, id)
      ready = ready + 1 -- due now, or waiting fetches re-arm their timers
    elseif kind == 'dead' then
      processed = processed + 1
      failed = failed + 1
      redis.call('HSET', jk, 's', 'archived', 'k', '', 'e', ARGV[i+4], 'f', now)
      redis.call('ZADD', KEYS[8], now, id)
    else -- release
      redis.call('HINCRBY', jk, 'a', -1)
      redis.call('HSET', jk, 's', 'pending', 'k', '')
      redis.call('LPUSH', list_for(redis.call('HGET', jk, 'p')), id)
      ready = ready + 1
    end
    out[#out+1] = 1
  end
end
bulk('ZREM', KEYS[6], settled)
bulk('ZADD', KEYS[7], completed)
bulk('DEL', nil, gone)
if processed > 0 then redis.call('HINCRBY', KEYS[10], 'processed', processed) end
if failed > 0 then redis.call('HINCRBY', KEYS[10], 'failed', failed) end
if retention > 0 then
  local old = redis.call('ZRANGEBYSCORE', KEYS[7], '-inf', now - retention, 'LIMIT', 0, 100)
  for _, id in ipairs(old) do redis.call('DEL', jp .. id); redis.call('ZREM', KEYS[7], id) end
end
for _, z in ipairs({KEYS[7], KEYS[8]}) do
  local extra = redis.call('ZCARD', z) - keep
  if extra > 0 then
    local ids = redis.call('ZRANGE', z, 0, math.min(extra, 100) - 1)
    for _, id in ipairs(ids) do redis.call('DEL', jp .. id); redis.call('ZREM', z, id) end
  end
end
if ready > 0 then redis.call('PUBLISH', ARGV[4], ARGV[5]) end
return out
`)

// extendScript: ARGV[2] lease ms, then pairs of id, token. Returns
// {expires, status...}: 1 extended, 0 lease lost.
var extendScript = redis.NewScript(common + `
local expires = now_ms() + tonumber(ARGV[2])
local jp = ARGV[1]
local out = {expires}
for i = 3, #ARGV, 2 do
  local id = ARGV[i]
  local st = redis.call('HMGET', jp .. id, 's', 'k')
  if st[1] == 'active' and st[2] == ARGV[i+1] then
    redis.call('ZADD', KEYS[6], 'XX', expires, id)
    out[#out+1] = 1
  else
    out[#out+1] = 0
  end
end
return out
`)

// moveScript changes one job's state for inspection: ARGV[2] id, ARGV[3]
// action (retry, delete, archive), ARGV[4] notify channel, ARGV[5] queue.
// Returns 1 done, 0 not found, -1 active, -2 not allowed in its state.
var moveScript = redis.NewScript(common + `
local jk = ARGV[1] .. ARGV[2]
local id, action = ARGV[2], ARGV[3]
local s = redis.call('HGET', jk, 's')
if not s then return 0 end
if s == 'active' then return -1 end
local zset = {scheduled = KEYS[4], retry = KEYS[5], completed = KEYS[7], archived = KEYS[8]}
local function detach()
  if s == 'pending' then
    redis.call('LREM', list_for(redis.call('HGET', jk, 'p')), 0, id)
  else
    redis.call('ZREM', zset[s], id)
  end
end
if action == 'delete' then
  detach()
  redis.call('DEL', jk)
elseif action == 'retry' then
  if s ~= 'scheduled' and s ~= 'retry' and s ~= 'archived' then return -2 end
  detach()
  if s == 'archived' then redis.call('HSET', jk, 'a', 0) end
  redis.call('HSET', jk, 's', 'pending')
  redis.call('HDEL', jk, 'n', 'f')
  redis.call('RPUSH', list_for(redis.call('HGET', jk, 'p')), id)
  redis.call('PUBLISH', ARGV[4], ARGV[5])
elseif action == 'archive' then
  if s == 'archived' or s == 'completed' then return -2 end
  detach()
  redis.call('HSET', jk, 's', 'archived', 'f', now_ms())
  redis.call('HDEL', jk, 'n')
  redis.call('ZADD', KEYS[8], now_ms(), id)
end
return 1
`)
