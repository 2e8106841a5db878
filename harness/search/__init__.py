"""Harnesses of the site search: its benchmark, the bigram-vs-jieba quality comparison, a corpus."""
