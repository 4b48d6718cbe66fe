"""HTTP and gRPC front ends of ``graphtrace serve`` (the only place besides ``cli`` that turns errors into answers)."""
