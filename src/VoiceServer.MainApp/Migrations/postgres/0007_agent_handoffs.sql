-- Handoffs: the agents an agent may hand a call to, as a JSON array of {agentId, description, context, lastTurns}
-- (NULL: none). Read and written whole with the agent, never queried into.
ALTER TABLE agents ADD COLUMN IF NOT EXISTS handoffs text;
