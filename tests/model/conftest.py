import torch

# The test models are tiny: one thread is much faster than two contending ones.
torch.set_num_threads(1)
