import { ConfigError } from '@vfmkit/core';
import { jointEmbeddingRecipes } from './joint-embedding';
import { lvmaeRecipe } from './lvmae';
import { maeRecipes } from './mae';
import type { Recipe } from './recipe';
import { tokenizerRecipe } from './tokenizer';
import { videoprismContrastiveRecipe, videoprismDistillRecipe } from './videoprism';

/** Every `vfm-train <recipe>`, by name. A new method registers here and nowhere else. */
export const RECIPES: ReadonlyMap<string, Recipe> = new Map(
  [
    ...maeRecipes,
    ...jointEmbeddingRecipes,
    tokenizerRecipe,
    lvmaeRecipe,
    videoprismContrastiveRecipe,
    videoprismDistillRecipe,
  ].map((r) => [r.name, r as Recipe]),
);

/** The registered recipe called `name`. @throws ConfigError naming the known recipes. */
export function recipeOf(name: string): Recipe {
  const recipe = RECIPES.get(name);
  if (!recipe) {
    throw new ConfigError(`unknown recipe "${name}"; known: ${[...RECIPES.keys()].join(', ')}`, {
      key: 'recipe',
      value: name,
    });
  }
  return recipe;
}
