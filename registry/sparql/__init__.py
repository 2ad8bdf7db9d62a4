"""The public SPARQL endpoint's domain side: what may run, and running it within limits."""
