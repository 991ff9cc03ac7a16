"""Which events of a chunk match exact-value filters, decided inside Redis: one script
call per chunk of the index walk instead of one HMGET per event (a rare filter walks up
to MAX_SCANNED events per page)."""
from handlers.store import scripts

# KEYS: event hashes. ARGV: field, value, field, value, ... Returns 1 or 0 per key
# (0 for a hash that is gone).
_MATCH = """
local answer = {}
for i, name in ipairs(KEYS) do
  local hit = 1
  for j = 1, #ARGV, 2 do
    if redis.call('HGET', name, ARGV[j]) ~= ARGV[j + 1] then hit = 0 break end
  end
  answer[i] = hit
end
return answer
"""


def matches(redis_client, keys, wanted):
    """[bool per key]: does the hash hold every `field: value` of `wanted`?"""
    args = [part for pair in wanted.items() for part in pair]
    return [bool(hit) for hit in scripts.run(redis_client, _MATCH, keys, args)]
