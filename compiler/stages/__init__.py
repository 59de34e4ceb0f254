"""The compile's stages: map stages over chunks, shuffle stages, small driver steps."""
