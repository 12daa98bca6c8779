"""agronomy"""
