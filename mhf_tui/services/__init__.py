"""The domain: plain functions over a SQLModel session, keyword-only arguments, typed
inputs and outputs. Never imports textual."""
