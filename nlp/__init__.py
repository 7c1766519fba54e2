"""Text processing library for the VoC pipeline: normalisation, sentences, language, keywords."""
