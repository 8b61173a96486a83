#!/usr/bin/env python3
"""Stable-Baselines3 on an rltool task, unchanged: PPO("MlpPolicy") on
gymnasium.make("rltool/pendulum-v1").

    pip install torch==2.13.0+cpu stable-baselines3 \\
        --extra-index-url https://download.pytorch.org/whl/cpu
    python examples/python/sb3_pendulum.py [--steps 4096] [--seed 0]

Prints the mean return of the trained policy over 5 episodes.
"""
import argparse

import gymnasium as gym
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.env_checker import check_env
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.monitor import Monitor

import rltool  # noqa: F401  (registers the rltool/ ids)


def run(steps=4096, seed=0, verbose=0):
    torch.set_num_threads(1)  # a 64-64 MLP: threads cost more than they give
    env = gym.make("rltool/pendulum-v1")
    check_env(env.unwrapped)  # SB3's own checker
    model = PPO("MlpPolicy", env, n_steps=1024, batch_size=64, seed=seed, verbose=verbose,
                device="cpu")
    model.learn(total_timesteps=steps)
    mean, std = evaluate_policy(model, Monitor(gym.make("rltool/pendulum-v1")),
                                 n_eval_episodes=5)
    return model, mean, std


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=4096)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    model, mean, std = run(args.steps, args.seed, verbose=1)
    print("PPO on rltool/pendulum-v1 after %d steps: return %.1f +- %.1f over 5 episodes"
          % (model.num_timesteps, mean, std))


if __name__ == "__main__":
    main()
