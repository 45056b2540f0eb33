"""The CL/Web guide's own steps (seeds/004): its cluster, CL/Web's setup, the browser and API."""
