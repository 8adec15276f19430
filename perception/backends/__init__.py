"""Model backends behind the Policy and Grounder contracts (transformers on local weights, OpenAI-compatible HTTP).

Nothing is imported here: each backend module loads its heavy stack (torch, transformers, httpx) itself, so
`import perception.backends` stays cheap. Import the backend module you use, e.g.
`from perception.backends.transformers_local import TransformersPolicy`.
"""
