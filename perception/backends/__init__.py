"""Model backends behind the Policy and Grounder contracts (perception.policy), all derived from PolicyBase.

- `transformers_local.TransformersPolicy`: a Qwen2-VL / Qwen2.5-VL / Qwen3-VL checkpoint on local weights
  (loading in `qwen_checkpoint`, model inputs in `qwen_inputs`);
- `openai_http.OpenAICompatPolicy`: any OpenAI-compatible chat-completions server (vLLM, SGLang, Ollama, ...);
- `builtin.BuiltinPolicy`: the shipped built-in model (perception.builtin_model), OCR listing plus a tiny VLM;
- `reply_script.ReplyScriptPolicy`: recorded reply texts parsed by a real format (`--model script:PATH`);
- `action_script.ActionScriptPolicy`: a fixed list of actions (demos, tests).
`factory` chooses and builds one from command-line options. Every backend builds its chat messages with
perception.conversation and passes perception.conformance's checks.

Nothing is imported here: each backend module loads its heavy stack (torch, transformers) itself, so
`import perception.backends` stays cheap. Import the backend module you use, e.g.
`from perception.backends.transformers_local import TransformersPolicy`.
"""
