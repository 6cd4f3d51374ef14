-- wrk script for addTodo: POST one TODO as JSON on every request.
wrk.method = "POST"
wrk.body = '{"todo": "benchmark"}'
wrk.headers["Content-Type"] = "application/json"
