from .exports import register

__all__ = ["register"]
