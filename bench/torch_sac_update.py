#!/usr/bin/python3
"""The SAC-shaped update of bench/bench_nn.c in PyTorch, on one thread.

Same networks, batch, losses and steps: targets from the actor and the target
critics, twin critic regression, actor update through the critics, Adam on
actor, critics and log-alpha, Polyak 0.995 on the targets. Prints the median
time per update at both sizes; compare with bench_nn's "SAC update" rows.

Run: /usr/bin/python3 bench/torch_sac_update.py
"""
import statistics
import sys
import time

try:
    import torch
    import torch.nn as nn
except ImportError:
    print("torch_sac_update: skipped, PyTorch is not installed "
          "(apt-get install python3-torch)")
    sys.exit(0)

torch.set_num_threads(1)
torch.manual_seed(0)


def mlp(i, h, o):
    return nn.Sequential(nn.Linear(i, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(),
                         nn.Linear(h, o))


class Sac:
    def __init__(self, batch, obs, act, hidden):
        self.actor = mlp(obs, hidden, 2 * act)
        self.q1, self.q2 = mlp(obs + act, hidden, 1), mlp(obs + act, hidden, 1)
        self.q1t, self.q2t = mlp(obs + act, hidden, 1), mlp(obs + act, hidden, 1)
        self.q1t.load_state_dict(self.q1.state_dict())
        self.q2t.load_state_dict(self.q2.state_dict())
        for p in list(self.q1t.parameters()) + list(self.q2t.parameters()):
            p.requires_grad_(False)
        self.log_alpha = torch.zeros(1, requires_grad=True)
        self.opt_actor = torch.optim.Adam(self.actor.parameters(), lr=3e-4)
        self.opt_q = torch.optim.Adam(list(self.q1.parameters()) + list(self.q2.parameters()),
                                      lr=3e-4)
        self.opt_alpha = torch.optim.Adam([self.log_alpha], lr=3e-4)
        self.act, self.gamma, self.tau, self.target_entropy = act, 0.99, 0.995, -float(act)
        self.o = torch.randn(batch, obs)
        self.o2 = torch.randn(batch, obs)
        self.a = torch.tanh(torch.randn(batch, act))
        self.r = torch.randn(batch)
        self.d = (torch.rand(batch) < 0.05).float()

    def sample(self, obs):
        out = self.actor(obs)
        mean, logstd = out[:, :self.act], out[:, self.act:].clamp(-5, 2)
        eps = torch.randn_like(mean)
        u = mean + logstd.exp() * eps
        a = torch.tanh(u)
        logp = (-0.5 * eps.pow(2) - logstd - 0.9189385332046727
                - 2 * (0.6931471805599453 - u - nn.functional.softplus(-2 * u))).sum(1)
        return a, logp

    def update(self):
        alpha = self.log_alpha.exp().detach()
        with torch.no_grad():
            a2, logp2 = self.sample(self.o2)
            x2 = torch.cat([self.o2, a2], 1)
            qt = torch.min(self.q1t(x2), self.q2t(x2)).squeeze(1)
            y = self.r + self.gamma * (1 - self.d) * (qt - alpha * logp2)
        x = torch.cat([self.o, self.a], 1)
        lq = ((self.q1(x).squeeze(1) - y) ** 2).mean() + ((self.q2(x).squeeze(1) - y) ** 2).mean()
        self.opt_q.zero_grad(set_to_none=False)
        lq.backward()
        self.opt_q.step()

        # Actor through the critics; only dQ/da is needed from them.
        for p in list(self.q1.parameters()) + list(self.q2.parameters()):
            p.requires_grad_(False)
        a, logp = self.sample(self.o)
        xa = torch.cat([self.o, a], 1)
        la = (alpha * logp - torch.min(self.q1(xa), self.q2(xa)).squeeze(1)).mean()
        self.opt_actor.zero_grad(set_to_none=False)
        la.backward()
        self.opt_actor.step()
        for p in list(self.q1.parameters()) + list(self.q2.parameters()):
            p.requires_grad_(True)

        lalpha = -(self.log_alpha * (logp.detach() + self.target_entropy)).mean()
        self.opt_alpha.zero_grad(set_to_none=False)
        lalpha.backward()
        self.opt_alpha.step()

        with torch.no_grad():
            for t, s in ((self.q1t, self.q1), (self.q2t, self.q2)):
                for pt, ps in zip(t.parameters(), s.parameters()):
                    pt.mul_(self.tau).add_(ps, alpha=1 - self.tau)


def median_time(fn, reps=7, min_seconds=0.15):
    for _ in range(3):
        fn()
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt > 0.05:
            break
        n *= 2
    iters = max(1, int(n * min_seconds / dt))
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(iters):
            fn()
        times.append((time.perf_counter() - t0) / iters)
    return statistics.median(times)


def main():
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    print("| size                         | us/update (torch) |")
    print("|------------------------------|-------------------|")
    for batch, obs, act, h in ((100, 3, 1, 64), (256, 17, 6, 256)):
        sac = Sac(batch, obs, act, h)
        t = median_time(sac.update)
        print(f"| B{batch} obs{obs} act{act} {h}x{h}{'':<{28 - len(f'B{batch} obs{obs} act{act} {h}x{h}')}} "
              f"| {t * 1e6:17.1f} |")


if __name__ == "__main__":
    main()
