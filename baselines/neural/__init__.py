"""What the neural runners share: checkpoint directories (checked, hashed, loaded offline), precision,
batches that halve on out-of-memory, and image tensors for the models. torch and transformers are
imported inside functions only: importing this package imports neither."""
