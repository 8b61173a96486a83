#!/usr/bin/env python3
"""A CleanRL-style PPO in plain numpy over gymnasium.make_vec("rltool/cartpole-v1").

One file, no deep-learning framework: two 64-64 tanh MLPs (actor, critic)
with hand-written backward passes and Adam, CleanRL's ppo.py recipe (GAE,
clipped surrogate, advantage normalisation, entropy bonus, global gradient
clipping, annealed learning rate). The vector env is rltool's, stepped in C.

    python examples/python/ppo_numpy.py [--seed 1] [--steps 60000]

Prints the greedy policy's mean return over 10 evaluation episodes
(CartPole-v1 counts 475 as solved) and exits 0 when it reaches --target.
"""
import argparse
import os
import time

# Tiny matrices: OpenBLAS threads would only contend with the env threads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import gymnasium as gym  # noqa: E402
import numpy as np  # noqa: E402

import rltool  # noqa: F401,E402  (registers the rltool/ ids)


class MLP:
    """in -> 64 -> 64 -> out, tanh hidden layers, orthogonal init."""

    def __init__(self, rng, sizes, out_gain):
        self.params = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            gain = out_gain if i == len(sizes) - 2 else np.sqrt(2)
            q, r = np.linalg.qr(rng.standard_normal((max(n_in, n_out), min(n_in, n_out))))
            q = q * np.sign(np.diag(r))
            w = (q if n_in >= n_out else q.T)[:n_in, :n_out] * gain
            self.params += [w.astype(np.float64), np.zeros(n_out)]

    def forward(self, x):
        self.acts = [x]
        n = len(self.params) // 2
        for i in range(n):
            x = x @ self.params[2 * i] + self.params[2 * i + 1]
            if i < n - 1:
                x = np.tanh(x)
            self.acts.append(x)
        return x

    def backward(self, grad_out):
        """Gradients of the last forward's inputs' loss, given d loss / d output."""
        grads = [None] * len(self.params)
        g = grad_out
        n = len(self.params) // 2
        for i in reversed(range(n)):
            if i < n - 1:
                g = g * (1 - self.acts[i + 1] ** 2)
            grads[2 * i] = self.acts[i].T @ g
            grads[2 * i + 1] = g.sum(0)
            g = g @ self.params[2 * i].T
        return grads


class Adam:
    def __init__(self, params, lr, eps=1e-5):
        self.params, self.lr, self.eps, self.t = params, lr, eps, 0
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]

    def step(self, grads, b1=0.9, b2=0.999):
        self.t += 1
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            mh, vh = m / (1 - b1 ** self.t), v / (1 - b2 ** self.t)
            p -= self.lr * mh / (np.sqrt(vh) + self.eps)


def log_softmax(z):
    z = z - z.max(1, keepdims=True)
    return z - np.log(np.exp(z).sum(1, keepdims=True))


def evaluate(actor, seed, episodes=10):
    env = gym.make("rltool/cartpole-v1")
    returns = []
    for ep in range(episodes):
        obs, _ = env.reset(seed=seed + ep)
        total, done = 0.0, False
        while not done:
            a = int(np.argmax(actor.forward(obs[None].astype(np.float64))[0]))
            obs, r, term, trunc, _ = env.step(a)
            total += r
            done = term or trunc
        returns.append(total)
    env.close()
    return float(np.mean(returns))


def train(seed=1, total_steps=60_000, num_envs=8, num_steps=128, lr=2.5e-3, epochs=4,
          minibatches=4, gamma=0.99, lam=0.95, clip=0.2, ent_coef=0.01, vf_coef=0.5,
          max_grad_norm=0.5, log=print):
    rng = np.random.default_rng(seed)
    envs = gym.make_vec("rltool/cartpole-v1", num_envs=num_envs, autoreset="same_step")
    obs_dim = envs.single_observation_space.shape[0]
    n_act = envs.single_action_space.n
    actor = MLP(rng, [obs_dim, 64, 64, n_act], 0.01)
    critic = MLP(rng, [obs_dim, 64, 64, 1], 1.0)
    opt = Adam(actor.params + critic.params, lr)
    n_actor = len(actor.params)

    obs_buf = np.zeros((num_steps, num_envs, obs_dim))
    act_buf = np.zeros((num_steps, num_envs), np.int64)
    logp_buf = np.zeros((num_steps, num_envs))
    rew_buf = np.zeros((num_steps, num_envs))
    done_buf = np.zeros((num_steps, num_envs))
    val_buf = np.zeros((num_steps, num_envs))
    obs, _ = envs.reset(seed=seed)
    done = np.zeros(num_envs)
    batch = num_envs * num_steps
    mb = batch // minibatches
    updates = total_steps // batch
    recent = []
    for update in range(updates):
        opt.lr = lr * (1.0 - update / updates)
        for t in range(num_steps):
            obs_buf[t], done_buf[t] = obs, done
            logp = log_softmax(actor.forward(obs))
            val_buf[t] = critic.forward(obs)[:, 0]
            # Gumbel-max: a sample from the categorical distribution.
            a = np.argmax(logp - np.log(-np.log(rng.random(logp.shape))), 1)
            act_buf[t], logp_buf[t] = a, logp[np.arange(num_envs), a]
            obs, r, term, trunc, infos = envs.step(a)
            rew_buf[t] = r
            done = (term | trunc).astype(np.float64)
            if "episode" in infos or "rltool_episode" in infos:
                ep = infos["rltool_episode"]
                recent += list(ep["r"][infos["_rltool_episode"]])
                recent = recent[-20:]
        # GAE over the rollout (same-step autoreset: obs after a done is a new episode).
        next_val = critic.forward(obs)[:, 0]
        adv = np.zeros_like(rew_buf)
        last = 0.0
        for t in reversed(range(num_steps)):
            nonterm = 1.0 - (done if t == num_steps - 1 else done_buf[t + 1])
            nv = next_val if t == num_steps - 1 else val_buf[t + 1]
            delta = rew_buf[t] + gamma * nv * nonterm - val_buf[t]
            last = delta + gamma * lam * nonterm * last
            adv[t] = last
        ret = adv + val_buf
        b_obs, b_act = obs_buf.reshape(batch, obs_dim), act_buf.reshape(batch)
        b_logp, b_adv, b_ret = logp_buf.reshape(batch), adv.reshape(batch), ret.reshape(batch)
        for _ in range(epochs):
            idx = rng.permutation(batch)
            for start in range(0, batch, mb):
                j = idx[start:start + mb]
                a_mb = b_adv[j]
                a_mb = (a_mb - a_mb.mean()) / (a_mb.std() + 1e-8)
                logp_all = log_softmax(actor.forward(b_obs[j]))
                p = np.exp(logp_all)
                new_logp = logp_all[np.arange(len(j)), b_act[j]]
                ratio = np.exp(new_logp - b_logp[j])
                # Clipped surrogate: the unclipped branch carries the gradient
                # wherever it is the larger loss.
                unclipped = -a_mb * ratio
                clipped = -a_mb * np.clip(ratio, 1 - clip, 1 + clip)
                d_logp = np.where(unclipped >= clipped, -a_mb * ratio, 0.0) / len(j)
                onehot = np.zeros_like(p)
                onehot[np.arange(len(j)), b_act[j]] = 1.0
                g_logits = d_logp[:, None] * (onehot - p)
                entropy = -(p * logp_all).sum(1)
                g_logits += ent_coef * p * (logp_all + entropy[:, None]) / len(j)
                v = critic.forward(b_obs[j])[:, 0]
                g_v = (vf_coef * (v - b_ret[j]) / len(j))[:, None]
                grads = actor.backward(g_logits) + critic.backward(g_v)
                norm = np.sqrt(sum((g * g).sum() for g in grads))
                if norm > max_grad_norm:
                    grads = [g * (max_grad_norm / norm) for g in grads]
                opt.step(grads)
        assert len(grads) == n_actor + len(critic.params)
        if log and (update % 10 == 0 or update == updates - 1):
            log("update %3d/%d  steps %6d  recent return %.1f" % (
                update + 1, updates, (update + 1) * batch, np.mean(recent) if recent else 0))
    envs.close()
    return actor


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--steps", type=int, default=60_000)
    ap.add_argument("--target", type=float, default=475.0)
    args = ap.parse_args()
    t0 = time.time()
    actor = train(seed=args.seed, total_steps=args.steps)
    score = evaluate(actor, seed=10_000 + args.seed)
    print("greedy return over 10 episodes: %.1f (target %.0f) in %.1f s"
          % (score, args.target, time.time() - t0))
    raise SystemExit(0 if score >= args.target else 1)


if __name__ == "__main__":
    main()
