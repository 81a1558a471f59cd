"""Streamlit UI. Views call library functions through ui.data; they never write SQL."""
