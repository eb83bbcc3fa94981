/*
 * recipe_popularity.c
 *	  popularity-count: every item scored by how many events it has.
 */
#include "rec.h"

#include "recipe.h"

/* Train popularity-count: the model is its popularity vector */
RecModel *
RecTrainPopularity(const RecDataset *ds, RecParams *p)
{
	return RecNewModel(ds, REC_KIND_POPULARITY);
}
