"""Plan-first grants: "plan first, execute only after an explicit LGTM".

In plan mode the agent may only write its plan. A human's `agentguard plan approve` (or the dashboard's LGTM)
compiles the plan into a scoped grant: the files and directories it names may be written, the commands it lists
may run; anything else that changes something asks. The grant never loosens the policy (a deny stays a deny),
its plan's hash is in the ledger, and it ends when the plan is marked done or another plan is approved.
"""
