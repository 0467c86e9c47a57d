"""Warmth: durable orchestration of winter relief campaigns (送温暖)."""
