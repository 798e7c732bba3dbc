"""CHFEN, the Conditional Hybrid Fusion Emotion Net.

1. Encoding: each input stream is standardised and projected to ``d_model``; tokens get a
   modality-type embedding and, for per-step streams, a time encoding of the step index. In
   training, ``input_dropout`` zeroes standardised input features before the projection (frozen
   pretrained embeddings have hundreds of dimensions and a few thousand labelled items at most).
2. Face/scene fusion: each step's visual token mixes the scene with the faces of that second,
   the faces weighted by a learned gate on how many there are (``face_scene_fusion``; off: an
   unweighted mean of scene and face tokens).
3. Conditional query: ``n_queries`` learned query tokens, each shifted by its own projection of
   the title (``conditional_query``; off: the learned queries alone). Every query reads a
   different mix of the streams, unlike a single title vector broadcast over time.
4. Feature fusion: the queries cross-attend over two tightly coupled pairs, subtitle text with
   visual and visual with acoustic. A learned null key in each pair lets a query attend to
   "nothing" when a video lacks both modalities of a pair: missing steps are masked out of the
   attention, never fed in as zeros.
5. Decision fusion: the fused tokens, the title token and the two audio clip tokens go through a
   small transformer encoder and attention pooling into the joint logits. Beside it, branch
   heads read each coupled pair (text-visual, visual-acoustic) and each modality alone (its
   tokens mean-pooled, as in late fusion); a learned gate over the branches a video has mixes
   branch and joint logits. Training supervises every branch on its own as well
   (``train.task.branch_loss``) and hides each cross-modal branch (joint, tv, va) from a sample's
   mix with probability ``branch_dropout``, so that the few-parameter modality heads carry the
   prediction and the cross-modal ones add to it instead of memorising a small train split.
   With ``linear_head``, one more branch is a linear read-out of each modality's standardised
   input features averaged over time (what a linear probe sees), the modalities a video has
   averaged: on a few dozen items this branch alone is as good as a probe, and the gate learns
   how much of the attention branches to add to it.

The hybrid model also returns ``step_attention`` (batch, 2, steps): for each pair (tv, va), the
share of the queries' cross-attention (mean over queries and heads) that fell on each time step,
summed over the pair's streams; the rest went to the null key. It is read, never trained on:
``chfen predict`` draws it as the timeline of what the model looked at.

``fusion: early`` replaces 3-5 by concatenating per-modality pooled tokens into an MLP;
``fusion: late`` by per-modality heads mixed by a learned gate. Modalities outside
``modalities`` are masked everywhere.
"""

from __future__ import annotations

import torch
from torch import nn

from model.config import ModelConfig
from model.data import STREAMS
from model.layers import AttentionPool, Standardize, masked_mean, mlp, time_encoding

TOKEN_TYPES = (
    "title",
    "subtitle",
    "visual",
    "vocals_seq",
    "music_seq",
    "vocals",
    "music",
    "tv",
    "va",
)
EARLY_LATE_PARTS = ("title", "text", "visual", "vocals", "music")
BRANCHES = ("tv", "va", *EARLY_LATE_PARTS)
# The decision inputs that mix modalities, first in the gate's order: the joint head, then the
# two coupled pairs; the per-modality heads follow.
CROSS_MODAL = ("joint", "tv", "va")


class CHFEN(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        d, n_classes = cfg.d_model, len(cfg.classes)
        self.used = set(cfg.modalities)
        self.inputs = nn.ModuleDict(
            {
                stream: nn.Sequential(Standardize(dim), nn.Linear(dim, d), nn.LayerNorm(d))
                for stream, dim in cfg.dims.items()
                if stream != "face_count"
            }
        )
        self.types = nn.Embedding(len(TOKEN_TYPES), d)
        self.face_gate = nn.Linear(1, 1)
        self.dropout = nn.Dropout(cfg.dropout)
        self.input_dropout = nn.Dropout(cfg.input_dropout)
        if cfg.fusion == "hybrid":
            self.queries = nn.Parameter(torch.randn(cfg.n_queries, d) * 0.02)
            self.title_to_queries = nn.Linear(d, cfg.n_queries * d)
            self.null_keys = nn.Parameter(torch.randn(2, d) * 0.02)
            self.cross = nn.ModuleDict(
                {
                    pair: nn.MultiheadAttention(d, cfg.n_heads, cfg.dropout, batch_first=True)
                    for pair in ("tv", "va")
                }
            )
            self.cross_norm = nn.LayerNorm(d)
            layer = nn.TransformerEncoderLayer(
                d, cfg.n_heads, 2 * d, cfg.dropout, batch_first=True, norm_first=True
            )
            self.decision = nn.TransformerEncoder(layer, cfg.n_layers, enable_nested_tensor=False)
            self.pool = AttentionPool(d)
            self.joint_head = nn.Linear(d, n_classes)
            self.branch_heads = nn.ModuleDict(
                {b: mlp(d, d, n_classes, cfg.dropout) for b in BRANCHES}
            )
            self.linear = nn.ModuleDict(
                {m: nn.Linear(self._width(m), n_classes) for m in cfg.modalities}
                if cfg.linear_head
                else {}
            )
            self.gate = nn.Parameter(torch.zeros(1 + len(BRANCHES) + int(cfg.linear_head)))
        elif cfg.fusion == "early":
            self.early = mlp(len(EARLY_LATE_PARTS) * d, 2 * d, n_classes, cfg.dropout)
        else:
            self.late_heads = nn.ModuleDict(
                {m: mlp(d, d, n_classes, cfg.dropout) for m in EARLY_LATE_PARTS}
            )
            self.late_gate = nn.Parameter(torch.zeros(len(EARLY_LATE_PARTS)))

    def branch_names(self) -> tuple[str, ...]:
        """What each row of ``forward``'s ``branches`` is: the joint head, the coupled pairs and
        one head per modality (hybrid), or one head per modality (late)."""
        if self.cfg.fusion == "hybrid":
            return ("joint", *BRANCHES, *(("linear",) if self.cfg.linear_head else ()))
        return EARLY_LATE_PARTS if self.cfg.fusion == "late" else ()

    def _width(self, modality: str) -> int:
        return sum(self.cfg.dims[s] for s, _ in STREAMS[modality][1] if s in self.inputs)

    def forward(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        tokens = self._tokens(batch)
        pooled, present = self._pooled(tokens)
        if self.cfg.fusion == "hybrid":
            if self.cfg.linear_head:
                linear, available = self._linear(batch)
                pooled, present = {**pooled, "linear": linear}, torch.cat([present, available], 1)
            return self._hybrid(tokens, pooled, present)
        if self.cfg.fusion == "early":
            stacked = torch.cat([pooled[m] for m in EARLY_LATE_PARTS], dim=-1)
            return {"logits": self.early(stacked)}
        logits = torch.stack([self.late_heads[m](pooled[m]) for m in EARLY_LATE_PARTS], dim=1)
        weights = self._masked_softmax(self.late_gate.expand(len(logits), -1), present)
        return {
            "logits": (weights.unsqueeze(-1) * logits).sum(1),
            "gate": weights,
            "branches": logits,
            "present": present,
        }

    # -- encoding ---------------------------------------------------------------------------

    def _mask(self, batch: dict[str, torch.Tensor], modality: str, stream: str) -> torch.Tensor:
        mask = batch[f"{stream}_mask"].bool()
        if modality not in self.used:
            mask = torch.zeros_like(mask)
        if mask.dim() == 2:
            mask = mask & batch["step_mask"]
        return mask

    def _type(self, name: str) -> torch.Tensor:
        return self.types.weight[TOKEN_TYPES.index(name)]

    def _tokens(
        self, batch: dict[str, torch.Tensor]
    ) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
        """(tokens, mask) per token set; masked tokens are zeroed so they cannot leak."""
        step_mask = batch["step_mask"]
        batch_size, steps = step_mask.shape
        d = self.cfg.d_model
        time = time_encoding(steps, d, step_mask.device)
        out: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}

        def project(stream: str, modality: str, kind: str) -> None:
            if stream not in self.inputs:
                shape = (batch_size, steps, d) if kind == "seq" else (batch_size, 1, d)
                out[stream] = (
                    step_mask.new_zeros(shape, dtype=time.dtype),
                    step_mask.new_zeros(shape[:2]),
                )
                return
            mask = self._mask(batch, modality, stream)
            scale, linear, norm = self.inputs[stream]
            x = norm(linear(self.input_dropout(scale(batch[stream].float()))))
            if kind == "seq":
                x = x + time
            else:
                x, mask = x.unsqueeze(1), mask.view(-1, 1)
            out[stream] = (self.dropout(x) * mask.unsqueeze(-1), mask)

        project("title", "title", "vec")
        project("subtitle", "text", "seq")
        project("scene", "visual", "seq")
        project("face", "visual", "seq")
        for stem in ("vocals", "music"):
            project(stem, stem, "vec")
            project(f"{stem}_seq", stem, "seq")

        scene, scene_mask = out.pop("scene")
        face, face_mask = out.pop("face")
        if self.cfg.face_scene_fusion and "face_count" in batch:
            count = batch["face_count"].float().reshape(batch_size, steps, 1)
            gate = torch.sigmoid(self.face_gate(torch.log1p(count))) * face_mask.unsqueeze(-1)
            visual = scene + gate * face
        else:
            both = scene_mask.float() + face_mask.float()
            visual = (scene + face) / both.clamp(min=1).unsqueeze(-1)
        out["visual"] = (visual, scene_mask | face_mask)
        for name in ("title", "subtitle", "visual", "vocals_seq", "music_seq", "vocals", "music"):
            x, mask = out[name]
            out[name] = ((x + self._type(name)) * mask.unsqueeze(-1), mask)
        return out

    # -- hybrid fusion ----------------------------------------------------------------------

    def _hybrid(
        self,
        t: dict[str, tuple[torch.Tensor, torch.Tensor]],
        pooled_parts: dict[str, torch.Tensor],
        parts_present: torch.Tensor,
    ) -> dict[str, torch.Tensor]:
        title, title_mask = t["title"]
        batch_size = title.shape[0]
        d, n_q = self.cfg.d_model, self.cfg.n_queries
        queries = self.queries.unsqueeze(0).expand(batch_size, -1, -1)
        if self.cfg.conditional_query:
            shift = self.title_to_queries(title[:, 0]).view(batch_size, n_q, d)
            queries = queries + shift * title_mask.view(-1, 1, 1)
        fused = {}
        available = {}
        step_attention = []
        pairs = {"tv": ("subtitle", "visual"), "va": ("visual", "vocals_seq", "music_seq")}
        for i, (pair, names) in enumerate(pairs.items()):
            null = self.null_keys[i].expand(batch_size, 1, d)
            keys = torch.cat([null, *(t[n][0] for n in names)], dim=1)
            real = torch.cat([t[n][1] for n in names], dim=1)
            mask = torch.cat([real.new_ones(batch_size, 1), real], dim=1)
            attended, attention = self.cross[pair](queries, keys, keys, key_padding_mask=~mask)
            fused[pair] = self.cross_norm(queries + attended) + self._type(pair)
            available[pair] = real.any(dim=1)
            per_stream = attention[:, :, 1:].reshape(batch_size, n_q, len(names), -1)
            step_attention.append(per_stream.mean(1).sum(1))
        vocals, vocals_mask = t["vocals"]
        music, music_mask = t["music"]
        tokens = torch.cat([fused["tv"], fused["va"], title, vocals, music], dim=1)
        ones = title_mask.new_ones(batch_size, 2 * n_q)
        mask = torch.cat([ones, title_mask, vocals_mask, music_mask], dim=1)
        encoded = self.decision(tokens, src_key_padding_mask=~mask)
        pooled = self.pool(encoded, mask)
        branch_inputs = {"tv": fused["tv"].mean(1), "va": fused["va"].mean(1), **pooled_parts}
        heads = [self.branch_heads[b](branch_inputs[b]) for b in BRANCHES]
        if "linear" in pooled_parts:
            heads.append(pooled_parts["linear"])
        branch_logits = torch.stack(heads, 1)
        joint = self.joint_head(pooled)
        all_logits = torch.cat([joint.unsqueeze(1), branch_logits], dim=1)
        cross = torch.stack([torch.ones_like(available["tv"]), available["tv"], available["va"]], 1)
        present = torch.cat([cross, parts_present], dim=1)
        if self.training and self.cfg.branch_dropout > 0:
            hide = torch.rand(batch_size, len(CROSS_MODAL), device=present.device)
            present = present.clone()
            present[:, : len(CROSS_MODAL)] &= hide >= self.cfg.branch_dropout
        weights = self._masked_softmax(self.gate.expand(batch_size, -1), present)
        logits = (weights.unsqueeze(-1) * all_logits).sum(1)
        return {
            "logits": logits,
            "joint": joint,
            "branches": all_logits,
            "present": present,
            "gate": weights,
            "step_attention": torch.stack(step_attention, dim=1),
        }

    def linear_inputs(
        self, batch: dict[str, torch.Tensor]
    ) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
        """What the linear branch reads, per modality: (its standardised streams concatenated,
        per-step ones averaged over their real steps and missing ones zero; whether the video
        has the modality)."""
        out = {}
        for m in self.cfg.modalities:
            parts, found = [], []
            for stream, kind in STREAMS[m][1]:
                if stream not in self.inputs:
                    continue
                x = self.inputs[stream][0](batch[stream].float())
                mask = self._mask(batch, m, stream)
                if kind == "sequence":
                    parts.append(masked_mean(x, mask))
                    found.append(mask.any(dim=1))
                else:
                    parts.append(x * mask.unsqueeze(-1))
                    found.append(mask)
            out[m] = (torch.cat(parts, dim=-1), torch.stack(found, 1).any(dim=1))
        return out

    def _linear(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """(logits, present) of the linear branch: per modality a linear map of its
        ``linear_inputs``, averaged over the modalities a video has."""
        logits, present = [], []
        for m, (x, has) in self.linear_inputs(batch).items():
            logits.append(self.linear[m](self.dropout(x)))
            present.append(has)
        w = torch.stack(present, 1).float()
        mixed = (torch.stack(logits, 1) * w.unsqueeze(-1)).sum(1) / w.sum(1, keepdim=True).clamp(
            min=1
        )
        return mixed, w.sum(1, keepdim=True) > 0

    # -- early / late fusion ----------------------------------------------------------------

    def _pooled(
        self, t: dict[str, tuple[torch.Tensor, torch.Tensor]]
    ) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        parts = {
            "title": [t["title"]],
            "text": [t["subtitle"]],
            "visual": [t["visual"]],
            "vocals": [t["vocals"], t["vocals_seq"]],
            "music": [t["music"], t["music_seq"]],
        }
        pooled, present = {}, []
        for name in EARLY_LATE_PARTS:
            x = torch.cat([p[0] for p in parts[name]], dim=1)
            mask = torch.cat([p[1] for p in parts[name]], dim=1)
            pooled[name] = masked_mean(x, mask)
            present.append(mask.any(dim=1))
        return pooled, torch.stack(present, dim=1)

    @staticmethod
    def _masked_softmax(scores: torch.Tensor, present: torch.Tensor) -> torch.Tensor:
        scores = scores.masked_fill(~present, float("-inf"))
        return torch.softmax(scores, dim=-1).nan_to_num(0.0)
