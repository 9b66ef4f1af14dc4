/** Class names in label order, as published with each data set. */
import type { DatasetKind } from '../storage/datasetStore';

// batches.meta.txt of the CIFAR-10 binary release (Krizhevsky, 2009).
export const CIFAR10_LABELS = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;

// fine_label_names.txt of the CIFAR-100 binary release.
export const CIFAR100_FINE_LABELS = (
  'apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus ' +
  'butterfly camel can castle caterpillar cattle chair chimpanzee clock cloud cockroach couch ' +
  'crab crocodile cup dinosaur dolphin elephant flatfish forest fox girl hamster house kangaroo ' +
  'keyboard lamp lawn_mower leopard lion lizard lobster man maple_tree motorcycle mountain mouse ' +
  'mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree plain plate poppy ' +
  'porcupine possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper ' +
  'snail snake spider squirrel streetcar sunflower sweet_pepper table tank telephone television ' +
  'tiger tractor train trout tulip turtle wardrobe whale willow_tree wolf woman worm'
).split(' ');

// coarse_label_names.txt of the CIFAR-100 binary release.
export const CIFAR100_COARSE_LABELS = (
  'aquatic_mammals fish flowers food_containers fruit_and_vegetables ' +
  'household_electrical_devices household_furniture insects large_carnivores ' +
  'large_man-made_outdoor_things large_natural_outdoor_scenes large_omnivores_and_herbivores ' +
  'medium_mammals non-insect_invertebrates people reptiles small_mammals trees vehicles_1 vehicles_2'
).split(' ');

// SVHN stores digit 0 as label 10; readers map it to 0, so label = digit.
export const SVHN_LABELS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

export function labelNamesOf(kind: DatasetKind): string[] {
  if (kind === 'cifar100') return [...CIFAR100_FINE_LABELS];
  if (kind === 'svhn') return [...SVHN_LABELS];
  return [...CIFAR10_LABELS];
}

export const DATASET_TITLES: Record<DatasetKind, string> = {
  cifar10: 'CIFAR-10',
  cifar100: 'CIFAR-100',
  svhn: 'SVHN',
};
