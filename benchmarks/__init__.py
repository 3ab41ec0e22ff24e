"""Speed, measured: cmx against a PyTorch loop, batched PyTorch and the hand-written NumPy limit (`make bench`)."""
